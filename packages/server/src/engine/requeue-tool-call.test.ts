import { Client } from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import { createPostgresStore } from "../store/postgres/postgres-store.js";
import type { ThreadRecord, ToolCallRecord } from "../store/records.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { createTestEngineContext, createTestTransport } from "../test-support/engine-context.js";
import { createTestDatabase, type TestDatabase } from "../test-support/test-database.js";
import type { ToolTransport } from "../transport/tool-transport.js";
import { requeueToolCall } from "./admin-operations.js";
import type { EngineContext, ToolPolicy } from "./context.js";
import { dispatchKey, JOB } from "./jobs.js";
import { createToolReportSink } from "./tool-call-operations.js";

// The PostgreSQL test creates, migrates and drops a database on a server other test runs share.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

/** What the engine asks the transport to cancel (X9). */
type ToolCancellation = Parameters<ToolTransport["cancel"]>[0];

const NOW = T0 + 3_600_000;
const SECOND = 1_000;
const MINUTE = 60_000;
const LEASE_MS = 30 * SECOND;

/** get_weather retries a failed attempt a minute later, up to 3 attempts (B15). */
const WEATHER_POLICY: ToolPolicy = {
  name: "get_weather",
  description: "Weather",
  kind: "sync",
  inputSchema: {},
  retry: {
    enabled: true,
    maxAttempts: 3,
    backoff: { strategy: "fixed", delayMs: MINUTE, jitter: "none" },
  },
  timeoutMs: null,
};

function contextFor(store: Store, cancellations: ToolCancellation[]): EngineContext {
  return createTestEngineContext(store, {
    transport: createTestTransport({
      cancel: async (cancellation) => {
        cancellations.push(cancellation);
      },
    }),
    getToolPolicy: async (name) => (name === WEATHER_POLICY.name ? WEATHER_POLICY : undefined),
    now: () => NOW,
    instanceId: "requeue-test",
  });
}

/** A thread awaiting one pending sync call of get_weather, at `call`'s attempt and state. */
async function seedAwaitingCall(
  store: Store,
  call: Partial<ToolCallRecord>,
): Promise<{ thread: ThreadRecord; call: ToolCallRecord }> {
  const thread = threadRecord({ status: "awaiting_tool_results", createdAt: NOW, updatedAt: NOW });
  const seeded = toolCallRecord(thread.threadId, { createdAt: NOW, updatedAt: NOW, ...call });
  await store.transaction(async (tx) => {
    await tx.insertThread(thread);
    await tx.insertToolCall(seeded);
  });
  return { thread, call: seeded };
}

describe("RequeueToolCall beside a scheduler's dispatch (X10)", () => {
  let store: Store | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  /** A call at attempt 1 whose due dispatch job `owner` claimed at `claimedAt`. */
  async function seedClaimedDispatch(claimedAt: number) {
    store = createSqliteStore({ path: ":memory:" });
    await store.migrate();
    const { thread, call } = await seedAwaitingCall(store, { attempt: 1, maxAttempts: 1 });
    await store.transaction((tx) =>
      tx.scheduleJob(
        {
          type: JOB.dispatchTool,
          threadId: thread.threadId,
          key: dispatchKey(thread.threadId, call.toolCallId, 1),
          payload: { toolCallId: call.toolCallId, attempt: 1 },
          runAt: T0,
        },
        T0,
      ),
    );
    const [claimed] = await store.claimDueJobs("scheduler-a", claimedAt, LEASE_MS, 10, [
      JOB.dispatchTool,
    ]);
    if (claimed === undefined) throw new Error("the dispatch job was not claimed");
    return { store, thread, call, claimed };
  }

  it("X10 a dispatch job a live scheduler holds counts as handed off: the requeue makes attempt 2 and leaves the running dispatch alone", async () => {
    const { store, thread, call, claimed } = await seedClaimedDispatch(NOW - SECOND);
    const cancellations: ToolCancellation[] = [];

    const requeued = await requeueToolCall(contextFor(store, cancellations), {
      threadId: thread.threadId,
      toolCallId: call.toolCallId,
    });

    expect(requeued).toMatchObject({
      status: "pending",
      attempt: 2,
      maxAttempts: 2,
      executionState: "queued",
    });
    // The scheduler still holds attempt 1's job: it completes it once its hand-off is done,
    // instead of a second, unleased copy handing attempt 1 off again.
    const first = await store.findJob(
      JOB.dispatchTool,
      dispatchKey(thread.threadId, call.toolCallId, 1),
    );
    expect(first).toMatchObject({
      jobId: claimed.jobId,
      leaseOwner: "scheduler-a",
      leaseUntil: NOW - SECOND + LEASE_MS,
    });
    expect(await store.completeJob(claimed.jobId, "scheduler-a")).toBe(true);
    const second = await store.findJob(
      JOB.dispatchTool,
      dispatchKey(thread.threadId, call.toolCallId, 2),
    );
    expect(second).toMatchObject({ runAt: NOW, leaseOwner: null, payload: { attempt: 2 } });
    expect(cancellations).toEqual([
      {
        threadId: thread.threadId,
        toolCallId: call.toolCallId,
        toolName: "get_weather",
        attempt: 1,
        reason: "Attempt 1 was superseded by attempt 2 (RequeueToolCall)",
      },
    ]);
  });

  it("X10 a dispatch job whose lease expired (its scheduler died) is dispatched now as the same attempt", async () => {
    const { store, thread, call, claimed } = await seedClaimedDispatch(NOW - LEASE_MS - SECOND);
    const cancellations: ToolCancellation[] = [];

    const requeued = await requeueToolCall(contextFor(store, cancellations), {
      threadId: thread.threadId,
      toolCallId: call.toolCallId,
    });

    expect(requeued).toMatchObject({ attempt: 1, maxAttempts: 1, executionState: "queued" });
    const job = await store.findJob(
      JOB.dispatchTool,
      dispatchKey(thread.threadId, call.toolCallId, 1),
    );
    expect(job).toMatchObject({ runAt: NOW, leaseOwner: null, leaseUntil: null });
    expect(job?.jobId).not.toBe(claimed.jobId);
    expect(cancellations).toEqual([]);
  });
});

/**
 * The store with its next transaction held open after its work, before it commits, until the
 * test releases it: another transaction can then run against the uncommitted change.
 */
function holdNextCommit(store: Store) {
  let armed = true;
  let reached: () => void = () => {};
  const reachedCommit = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = new Proxy(store, {
    get(target, property) {
      if (property === "transaction") {
        const transaction: Store["transaction"] = (work) =>
          target.transaction(async (tx) => {
            const result = await work(tx);
            if (armed) {
              armed = false;
              reached();
              await released;
            }
            return result;
          });
        return transaction;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: held, reachedCommit, release };
}

describe("a stale attempt's failure racing RequeueToolCall on PostgreSQL (X10, B15)", () => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await database?.drop();
    database = undefined;
  });

  /** Whether a connection to the database waits for a row lock another transaction holds. */
  async function someoneWaitsForALock(url: string): Promise<boolean> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ waiting: string }>(
        "select count(*) as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      return Number(rows[0]?.waiting) > 0;
    } finally {
      await client.end();
    }
  }

  it("X10 attempt 1's failure arriving while the requeue to attempt 2 commits is ignored, not retried over attempt 2", async () => {
    database = await createTestDatabase();
    store = createPostgresStore({ url: database.url, maxConnections: 4 });
    await store.migrate();
    const { thread, call } = await seedAwaitingCall(store, {
      attempt: 1,
      maxAttempts: 3,
      executionState: "running",
      runnerId: "runner-1",
      lastHeartbeatAt: NOW - SECOND,
    });
    const held = holdNextCommit(store);
    const context = contextFor(held.store, []);

    // The requeue has made attempt 2 and waits to commit; the runner of attempt 1 then reports
    // its failure, which the report sink reads while attempt 1 is still the committed one.
    const requeue = requeueToolCall(context, {
      threadId: thread.threadId,
      toolCallId: call.toolCallId,
    });
    await held.reachedCommit;
    const failure = createToolReportSink(context).onOutcome({
      threadId: thread.threadId,
      toolCallId: call.toolCallId,
      attempt: 1,
      runnerId: "runner-1",
      durationMs: 5,
      type: "error",
      error: { message: "Service Unavailable", status: 503 },
    });
    const deadline = Date.now() + 10_000;
    while (!(await someoneWaitsForALock(database.url))) {
      if (Date.now() > deadline) throw new Error("the failure never waited for the requeue");
    }
    held.release();
    await Promise.all([requeue, failure]);

    const after = await store.getToolCall(thread.threadId, call.toolCallId);
    expect(after).toMatchObject({
      status: "pending",
      attempt: 2,
      executionState: "queued",
      lastError: null,
      nextRetryAt: null,
      runnerId: null,
    });
    // Attempt 2 is still dispatched now, not moved to attempt 1's retry time.
    const dispatch = await store.findJob(
      JOB.dispatchTool,
      dispatchKey(thread.threadId, call.toolCallId, 2),
    );
    expect(dispatch?.runAt).toBe(NOW);
    expect(
      await store.findJob(JOB.dispatchTool, dispatchKey(thread.threadId, call.toolCallId, 3)),
    ).toBeUndefined();
  });
});
