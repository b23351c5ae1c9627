// ListStuck's diagnosis (X10) on states seeded into a real SQLite store, one per reason, beside
// healthy ones that must not be listed. No engine runs here, so no scheduler or recovery moves a
// seeded state on while the scan reads it; the transport is a stub that only answers which calls
// this process executes.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { streamRecord, T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import type {
  JobRecord,
  RetryStateRecord,
  ThreadRecord,
  ToolCallRecord,
} from "../store/records.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { NewJob, Store } from "../store/store.js";
import { createTestEngineContext, createTestTransport } from "../test-support/engine-context.js";
import type { EngineContext } from "./context.js";
import { dispatchKey, JOB, toolCallKey, turnJobKey } from "./jobs.js";
import {
  describeDuration,
  FAILING_JOB_RUNS,
  listStuck,
  type StuckReason,
  type StuckScanPosition,
} from "./stuck.js";

const NOW = T0 + 3_600_000;
const SECOND = 1_000;
const MINUTE = 60_000;

function contextFor(store: Store, executingLocally: ReadonlySet<string>): EngineContext {
  return createTestEngineContext(store, {
    transport: createTestTransport({
      isExecutingLocally: (threadId, toolCallId) =>
        executingLocally.has(`${threadId}/${toolCallId}`),
    }),
    now: () => NOW,
    instanceId: "stuck-test",
  });
}

function retryState(nextRetryAt: number): RetryStateRecord {
  return {
    error: "429 Too Many Requests",
    kind: "rate_limited",
    retryable: true,
    requiresExplicitHandling: false,
    attempt: 1,
    maxAttempts: 3,
    providerRetryAfterMs: null,
    outputEmitted: false,
    nextRetryAt,
  };
}

describe("ListStuck diagnosis (X10)", () => {
  let store: Store;
  /** What the scan must report, by thread id or "<thread>/<call>". */
  let expected: Map<string, StuckReason>;
  let details: Map<string, string>;
  let executingLocally: Set<string>;

  beforeEach(async () => {
    store = createSqliteStore({ path: ":memory:" });
    await store.migrate();
    expected = new Map();
    details = new Map();
    executingLocally = new Set();
  });
  afterEach(async () => {
    await store.close();
  });

  async function thread(
    overrides: Partial<ThreadRecord>,
    stream?: Parameters<typeof streamRecord>[2],
  ): Promise<ThreadRecord> {
    const seeded = threadRecord({ status: "streaming", createdAt: NOW, updatedAt: NOW - MINUTE });
    const streamId = stream === undefined ? null : `stream-${randomUUID()}`;
    const record = { ...seeded, activeStreamId: streamId, ...overrides };
    await store.transaction(async (tx) => {
      await tx.insertThread(record);
      if (streamId !== null)
        await tx.insertStream(streamRecord(record.threadId, 1, { streamId, ...stream }));
    });
    return record;
  }

  async function call(
    threadId: string,
    overrides: Partial<ToolCallRecord>,
  ): Promise<ToolCallRecord> {
    const record = toolCallRecord(threadId, { createdAt: NOW, updatedAt: NOW, ...overrides });
    await store.transaction((tx) => tx.insertToolCall(record));
    return record;
  }

  async function job(newJob: NewJob): Promise<JobRecord> {
    return store.transaction((tx) => tx.scheduleJob(newJob, NOW));
  }

  /** A job that failed `FAILING_JOB_RUNS` runs, due again at `runAt`. */
  async function failingJob(newJob: Omit<NewJob, "runAt">, runAt: number): Promise<void> {
    const scheduled = await job({ ...newJob, runAt });
    for (let run = 0; run < FAILING_JOB_RUNS; run += 1) {
      const [claimed] = await store.claimDueJobs("crashing-owner", runAt, 30 * SECOND, 1, [
        scheduled.type,
      ]);
      expect(claimed?.jobId).toBe(scheduled.jobId);
      await store.releaseJob(scheduled.jobId, "crashing-owner", runAt);
    }
  }

  function expectThread(seeded: ThreadRecord, reason: StuckReason, detail?: string) {
    expected.set(seeded.threadId, reason);
    if (detail !== undefined) details.set(seeded.threadId, detail);
  }

  function expectCall(seeded: ToolCallRecord, reason: StuckReason, detail?: string) {
    const key = `${seeded.threadId}/${seeded.toolCallId}`;
    expected.set(key, reason);
    if (detail !== undefined) details.set(key, detail);
  }

  async function seedEveryCase(): Promise<void> {
    // First, while its job is the only one of its type that the claims below can take.
    const failingRetry = await thread({ retryState: retryState(NOW + MINUTE) });
    await failingJob(
      {
        type: JOB.retryTurn,
        threadId: failingRetry.threadId,
        key: failingRetry.threadId,
        payload: {},
      },
      NOW + MINUTE,
    );
    // Healthy: a live turn, a retry not yet due, a fresh pending stream, idle threads.
    await thread({}, { status: "streaming", heartbeatAt: NOW - 5 * SECOND, lockId: "a:1" });
    const retrying = await thread({ retryState: retryState(NOW + 10 * SECOND) });
    await job({
      type: JOB.retryTurn,
      threadId: retrying.threadId,
      key: retrying.threadId,
      payload: {},
      runAt: NOW + 10 * SECOND,
    });
    await thread({}, { status: "pending", createdAt: NOW - 10 * SECOND });
    await thread({ status: "completed" });
    await thread({ status: "failed" }, { status: "streaming", heartbeatAt: NOW - 30 * MINUTE });

    // Stuck threads, one per reason.
    expectThread(
      await thread(
        {},
        { status: "streaming", heartbeatAt: NOW - 45 * SECOND, lockId: "replica-a:lock-1" },
      ),
      "stream_heartbeat_lost",
      "stream 1 has had no heartbeat for 45s (alive within 40s) (lock replica-a:lock-1)",
    );
    expectThread(
      await thread({}, { status: "streaming", heartbeatAt: 0, lockId: "replica-b:lock-2" }),
      "stream_heartbeat_lost",
      "stream 1 was handed back by its turn (shutdown or restart) and no turn took it over",
    );
    expectThread(
      await thread({}, { status: "streaming", heartbeatAt: NOW - 11 * MINUTE, lockId: "c:3" }),
      "stream_timed_out",
      "stream 1 has had no heartbeat for 11m, past the stream timeout of 10m (lock c:3)",
    );
    expectThread(
      await thread({}, { status: "pending", createdAt: NOW - 2 * MINUTE }),
      "stream_never_taken",
      "stream 1 has been pending for 2m and its run_turn job is gone",
    );
    const waiting = await thread({}, { status: "pending", createdAt: NOW - 3 * MINUTE });
    const waitingStream = waiting.activeStreamId ?? "";
    await job({
      type: JOB.runTurn,
      threadId: waiting.threadId,
      key: turnJobKey(waitingStream),
      payload: { streamId: waitingStream },
      runAt: NOW - 2 * MINUTE - 5 * SECOND,
    });
    expectThread(
      waiting,
      "stream_never_taken",
      "stream 1 is pending; its run_turn job has waited 2m5s for a server to run it",
    );
    expectThread(
      await thread({ activeStreamId: null }),
      "no_active_stream",
      "the thread is streaming with no active stream and no retry pending",
    );
    expectThread(
      await thread({ activeStreamId: "stream-that-was-deleted" }),
      "no_active_stream",
      "its active stream stream-that-was-deleted no longer exists",
    );
    expectThread(
      await thread({}, { status: "aborted", endedAt: NOW - MINUTE }),
      "no_active_stream",
    );
    expectThread(
      await thread({ retryState: retryState(NOW - 2 * MINUTE) }),
      "retry_overdue",
      "the retry after attempt 1 was due 2m ago and has not run; its retry_turn timer is missing",
    );
    expectThread(
      failingRetry,
      "job_failing",
      "its retry_turn job failed or lost its lease 3 times (next run in 1m)",
    );
    expectThread(
      await thread({ status: "awaiting_tool_results" }),
      "no_pending_tool_calls",
      "the thread awaits tool results but none of its tool calls is pending",
    );

    // Tool calls, on a thread that awaits them (healthy itself: its calls are pending).
    const owner = await thread({ status: "awaiting_tool_results" });
    const { threadId } = owner;
    await call(threadId, { status: "completed", result: { ok: true }, executionState: "done" });
    await call(threadId, {
      runnerId: "runner-1",
      lastHeartbeatAt: NOW - 10 * SECOND,
      executionState: "running",
    });
    const local = await call(threadId, {
      runnerId: "local:x",
      lastHeartbeatAt: NOW - 5 * MINUTE,
      executionState: "running",
    });
    executingLocally.add(`${threadId}/${local.toolCallId}`);
    await call(threadId, { executionState: "queued", updatedAt: NOW - 10 * SECOND });
    await call(threadId, {
      kind: "async",
      executionState: "awaiting_result",
      updatedAt: NOW - 5 * MINUTE,
    });
    const retryLater = await call(threadId, {
      attempt: 2,
      executionState: "retry_scheduled",
      nextRetryAt: NOW + MINUTE,
    });
    await job({
      type: JOB.dispatchTool,
      threadId,
      key: dispatchKey(threadId, retryLater.toolCallId, 2),
      payload: { toolCallId: retryLater.toolCallId, attempt: 2 },
      runAt: NOW + MINUTE,
    });

    expectCall(
      await call(threadId, {
        runnerId: "runner-7",
        lastHeartbeatAt: NOW - 90 * SECOND,
        executionState: "running",
      }),
      "tool_heartbeat_lost",
      "runner runner-7 has not reported on attempt 1 for 1m30s (limit 1m)",
    );
    expectCall(
      await call(threadId, { executionState: "queued", updatedAt: NOW - 2 * MINUTE }),
      "tool_not_claimed",
      "attempt 1 was handed to the runners 2m ago and no runner has taken it",
    );
    expectCall(
      await call(threadId, {
        kind: "async",
        executionState: "queued",
        updatedAt: NOW - 2 * MINUTE,
      }),
      "tool_not_claimed",
      "the callback of attempt 1 was handed off 2m ago and never confirmed",
    );
    expectCall(
      await call(threadId, {
        kind: "async",
        executionState: "awaiting_result",
        deadlineAt: NOW - 2 * MINUTE,
      }),
      "tool_deadline_passed",
      "its deadline passed 2m ago and it is still pending; its tool_deadline timer is missing",
    );
    const overdue = await call(threadId, { executionState: "queued", updatedAt: NOW - 3 * MINUTE });
    await job({
      type: JOB.dispatchTool,
      threadId,
      key: dispatchKey(threadId, overdue.toolCallId, 1),
      payload: { toolCallId: overdue.toolCallId, attempt: 1 },
      runAt: NOW - 2 * MINUTE,
    });
    expectCall(
      overdue,
      "tool_not_dispatched",
      "the dispatch of attempt 1 was due 2m ago and has not run",
    );
    expectCall(
      await call(threadId, { executionState: "running", updatedAt: NOW - 2 * MINUTE }),
      "tool_not_dispatched",
      "attempt 1 has no execution and no dispatch scheduled",
    );
    const failingDeadline = await call(threadId, {
      deadlineAt: NOW + MINUTE,
      runnerId: "runner-2",
      lastHeartbeatAt: NOW - SECOND,
      executionState: "running",
    });
    await failingJob(
      {
        type: JOB.toolDeadline,
        threadId,
        key: toolCallKey(threadId, failingDeadline.toolCallId),
        payload: { toolCallId: failingDeadline.toolCallId },
      },
      NOW + MINUTE,
    );
    expectCall(
      failingDeadline,
      "job_failing",
      "its tool_deadline job failed or lost its lease 3 times (next run in 1m)",
    );
  }

  it("X10 names every stuck thread and tool call with its reason, and nothing healthy", async () => {
    await seedEveryCase();
    const page = await listStuck(contextFor(store, executingLocally), { limit: 100 });
    expect(page.next).toBeUndefined();
    const found = new Map<string, StuckReason>([
      ...page.threads.map(({ thread, diagnosis }) => [thread.threadId, diagnosis.reason] as const),
      ...page.toolCalls.map(
        ({ toolCall, diagnosis }) =>
          [`${toolCall.threadId}/${toolCall.toolCallId}`, diagnosis.reason] as const,
      ),
    ]);
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));
    const foundDetails = new Map<string, string>([
      ...page.threads.map(({ thread, diagnosis }) => [thread.threadId, diagnosis.detail] as const),
      ...page.toolCalls.map(
        ({ toolCall, diagnosis }) =>
          [`${toolCall.threadId}/${toolCall.toolCallId}`, diagnosis.detail] as const,
      ),
    ]);
    for (const [key, detail] of details) expect(foundDetails.get(key)).toBe(detail);
    // Listed in key order: threads by id, calls by (thread, call).
    const threadIds = page.threads.map(({ thread }) => thread.threadId);
    expect(threadIds).toEqual([...threadIds].sort());
  });

  it("X10 pages through the stuck threads and calls with a position, each page at most the page size", async () => {
    await seedEveryCase();
    const context = contextFor(store, executingLocally);
    const seen = new Map<string, StuckReason>();
    let after: StuckScanPosition | undefined;
    let pages = 0;
    do {
      const page = await listStuck(context, { after, limit: 2 });
      pages += 1;
      expect(page.threads.length).toBeLessThanOrEqual(2);
      expect(page.toolCalls.length).toBeLessThanOrEqual(2);
      for (const { thread, diagnosis } of page.threads) {
        expect(seen.has(thread.threadId)).toBe(false);
        seen.set(thread.threadId, diagnosis.reason);
      }
      for (const { toolCall, diagnosis } of page.toolCalls) {
        const key = `${toolCall.threadId}/${toolCall.toolCallId}`;
        expect(seen.has(key)).toBe(false);
        seen.set(key, diagnosis.reason);
      }
      after = page.next;
    } while (after !== undefined);
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
    // 11 stuck threads, 2 per page.
    expect(pages).toBeGreaterThanOrEqual(6);
  });

  it("X10 an empty store has nothing stuck and no next page", async () => {
    expect(await listStuck(contextFor(store, executingLocally), { limit: 10 })).toEqual({
      threads: [],
      toolCalls: [],
      next: undefined,
    });
  });

  it.each([
    [0, "0s"],
    [999, "0s"],
    [45_000, "45s"],
    [60_000, "1m"],
    [192_000, "3m12s"],
    [3_600_000, "1h"],
    [7_500_000, "2h5m"],
    [90_061_000, "1d1h"],
  ])("describeDuration(%i) is %s", (durationMs, text) => {
    expect(describeDuration(durationMs)).toBe(text);
  });
});
