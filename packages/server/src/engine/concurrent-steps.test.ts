// Engine steps racing another step on PostgreSQL (DESIGN §4, issue #5). Under READ COMMITTED a
// write by another replica commits while an engine transaction waits for the thread's lock (or a
// tool call's row), and the engine must decide on the row as it is after that commit, not on what
// it read before waiting: those cases hold the lock in a second store (the other replica), start
// the engine step, wait until PostgreSQL shows a transaction waiting for a lock, then commit the
// other write.
// And a recovery sweep (B20) may run at any moment of a turn's start.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ThreadEvent } from "../events/event-bus.js";
import type { JobControl } from "../scheduler/scheduler.js";
import { streamRecord, T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import { createPostgresStore } from "../store/postgres/postgres-store.js";
import type { JobRecord, ToolCallRecord } from "../store/records.js";
import type { Store, StoreTransaction, ToolCallPatch } from "../store/store.js";
import { createTestEngineContext, createTestTransport } from "../test-support/engine-context.js";
import { createTestDatabase, type TestDatabase } from "../test-support/test-database.js";
import type { ToolTask } from "../transport/tool-transport.js";
import type { EngineContext } from "./context.js";
import { createDeltaWriter } from "./delta-writer.js";
import { createJobHandlers } from "./job-handlers.js";
import { dispatchKey, JOB, turnJobKey } from "./jobs.js";
import { recoverThreads } from "./recovery.js";
import { isStreamOwnershipLostError } from "./stream-ownership.js";
import { createToolReportSink } from "./tool-call-operations.js";
import { CANCELLED_BY_STOP } from "./tool-calls.js";
import { runTurn } from "./turn-runner.js";

// A fresh database per test on a PostgreSQL server other tests share: room for a busy machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const NOW = T0 + 3_600_000;
const MINUTE = 60_000;
const LOCK_WAIT_DEADLINE_MS = 10_000;
const POLL_INTERVAL_MS = 10;

function contextFor(store: Store, dispatched: ToolTask[]): EngineContext {
  return createTestEngineContext(store, {
    transport: createTestTransport({
      dispatch: async (task) => {
        dispatched.push(task);
      },
    }),
    // No agent: a turn that takes its stream stops right after taking it, before any model call.
    now: () => NOW,
    instanceId: "racing-steps-test",
  });
}

function jobRecord(type: string, threadId: string, key: string, payload: JobRecord["payload"]) {
  return {
    jobId: randomUUID(),
    type,
    threadId,
    key,
    payload,
    runAt: NOW,
    leaseOwner: "racing-steps-test",
    leaseUntil: NOW + MINUTE,
    failedRuns: 0,
    createdAt: NOW,
  } satisfies JobRecord;
}

const noControl: JobControl = { complete: async () => {}, completedInTransaction: () => {} };

/** A promise and its resolve/reject (Node 20 has no Promise.withResolvers). */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

describe("engine steps racing each other (PostgreSQL, READ COMMITTED)", () => {
  let database: TestDatabase;
  let store: Store;
  let otherReplica: Store;
  let monitor: Client;
  let dispatched: ToolTask[];
  let context: EngineContext;

  beforeEach(async () => {
    database = await createTestDatabase();
    store = createPostgresStore({ url: database.url, maxConnections: 4 });
    await store.migrate();
    otherReplica = createPostgresStore({ url: database.url, maxConnections: 2 });
    monitor = new Client({ connectionString: database.url });
    await monitor.connect();
    dispatched = [];
    context = contextFor(store, dispatched);
  });

  afterEach(async () => {
    await monitor.end();
    await otherReplica.close();
    await store.close();
    await database.drop();
  });

  /** Resolves once a transaction on the test database waits for a lock another one holds. */
  async function someoneWaitsForALock(): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_DEADLINE_MS;
    for (;;) {
      const { rows } = await monitor.query<{ waiting: number }>(
        "select count(*)::int as waiting from pg_stat_activity " +
          "where datname = current_database() and wait_event_type = 'Lock'",
      );
      if ((rows[0]?.waiting ?? 0) > 0) return;
      if (Date.now() > deadline) {
        throw new Error(`no transaction waited for a lock within ${LOCK_WAIT_DEADLINE_MS} ms`);
      }
      await new Promise<void>((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  /**
   * Runs `write` in the other replica's transaction holding the thread's lock, runs `step` while
   * that transaction is open, and commits it once `step` waits for a lock; returns what `step`
   * returned.
   */
  async function raceWithOtherReplica<T>(
    threadId: string,
    write: (tx: StoreTransaction) => Promise<void>,
    step: () => Promise<T>,
  ): Promise<T> {
    const locked = deferred<void>();
    const release = deferred<void>();
    const other = otherReplica.transaction(async (tx) => {
      await tx.lockThread(threadId);
      await write(tx);
      locked.resolve();
      await release.promise;
    });
    other.catch((error: unknown) => locked.reject(error));
    await locked.promise;
    const stepDone = step();
    try {
      await someoneWaitsForALock();
    } finally {
      release.resolve();
    }
    await other;
    return stepDone;
  }

  /** raceWithOtherReplica where the other replica's write ends the call with `patch`. */
  function raceWithCallEnd<T>(
    call: ToolCallRecord,
    patch: ToolCallPatch,
    step: () => Promise<T>,
  ): Promise<T> {
    return raceWithOtherReplica(
      call.threadId,
      async (tx) => {
        await tx.updateToolCall(call.threadId, call.toolCallId, patch, NOW);
      },
      step,
    );
  }

  it("B3 a turn does not take a stream another turn took while it waited for the thread's lock", async () => {
    const thread = threadRecord({ agent: "none", status: "streaming", seq: 1 });
    const stream = streamRecord(thread.threadId, 1);
    await store.transaction(async (tx) => {
      await tx.insertThread({ ...thread, activeStreamId: stream.streamId });
      await tx.insertStream(stream);
    });

    await raceWithOtherReplica(
      thread.threadId,
      async (tx) => {
        await tx.updateStream(stream.streamId, {
          status: "streaming",
          lockId: "other-replica:turn",
          heartbeatAt: NOW,
        });
      },
      () =>
        runTurn(context, { threadId: thread.threadId, streamId: stream.streamId }, async () => {}),
    );

    // The other replica's turn keeps its stream: this one was refused (locked by another, B3).
    expect(await store.getStream(stream.streamId)).toMatchObject({
      status: "streaming",
      lockId: "other-replica:turn",
      heartbeatAt: NOW,
    });
  });

  it("B11 a dispatch does not hand over a call that StopThread failed while the dispatch waited for it", async () => {
    const thread = threadRecord({ status: "awaiting_tool_results", seq: 1 });
    const call = toolCallRecord(thread.threadId, { status: "pending", attempt: 1 });
    await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(call);
    });
    const handlers = createJobHandlers(context, { recoveryIntervalMs: MINUTE });
    const job = jobRecord(
      JOB.dispatchTool,
      thread.threadId,
      dispatchKey(thread.threadId, call.toolCallId, 1),
      { toolCallId: call.toolCallId, attempt: 1 },
    );

    await raceWithCallEnd(
      call,
      { status: "failed", error: CANCELLED_BY_STOP, executionState: "done", nextRetryAt: null },
      () => handlers[JOB.dispatchTool](job, noControl),
    );

    expect(dispatched).toEqual([]);
    expect(await store.getToolCall(thread.threadId, call.toolCallId)).toMatchObject({
      status: "failed",
      error: CANCELLED_BY_STOP,
      executionState: "done",
    });
  });

  it("X9 a runner's progress does not move back a call whose outcome committed while the progress waited for it", async () => {
    const thread = threadRecord({ status: "awaiting_tool_results", seq: 1 });
    const call = toolCallRecord(thread.threadId, {
      status: "pending",
      attempt: 1,
      executionState: "claimed",
      runnerId: "runner-1",
    });
    await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(call);
    });
    const heard: ThreadEvent[] = [];
    context.bus.subscribe(thread.threadId, (event) => heard.push(event));

    await raceWithCallEnd(
      call,
      { status: "completed", result: { ok: true }, executionState: "done" },
      () =>
        createToolReportSink(context).onProgress({
          threadId: thread.threadId,
          toolCallId: call.toolCallId,
          attempt: 1,
          runnerId: "runner-1",
          state: "running",
        }),
    );

    expect(await store.getToolCall(thread.threadId, call.toolCallId)).toMatchObject({
      status: "completed",
      executionState: "done",
    });
    // Watchers hear nothing of a report that changed nothing.
    expect(heard).toEqual([]);
  });

  it("B3 a stream timeout does not abort a stream whose heartbeat committed while it waited for the thread's lock", async () => {
    const thread = threadRecord({ agent: "none", status: "streaming", seq: 1 });
    const stream = streamRecord(thread.threadId, 1, {
      status: "streaming",
      lockId: "other-replica:turn",
      // Silent for 11 minutes: timed out (10 min, B3) when the job first reads it.
      heartbeatAt: NOW - 11 * MINUTE,
    });
    await store.transaction(async (tx) => {
      await tx.insertThread({ ...thread, activeStreamId: stream.streamId });
      await tx.insertStream(stream);
    });
    const handlers = createJobHandlers(context, { recoveryIntervalMs: MINUTE });
    const job = jobRecord(JOB.streamTimeout, thread.threadId, stream.streamId, {
      streamId: stream.streamId,
    });

    await raceWithOtherReplica(
      thread.threadId,
      async (tx) => {
        await tx.updateStream(stream.streamId, { heartbeatAt: NOW });
      },
      () => handlers[JOB.streamTimeout](job, noControl),
    );

    // The turn is alive: its stream stays streaming and no second turn was started.
    expect(await store.getStream(stream.streamId)).toMatchObject({
      status: "streaming",
      heartbeatAt: NOW,
    });
    expect(await store.getThread(thread.threadId)).toMatchObject({
      status: "streaming",
      activeStreamId: stream.streamId,
      seq: 1,
    });
    expect(await store.listStreams(thread.threadId)).toHaveLength(1);
  });

  it("B3 a delta write does not land in a stream that StopThread aborted while the write waited for it", async () => {
    const lockId = "this-replica:turn";
    const thread = threadRecord({ status: "streaming", seq: 1 });
    const stream = streamRecord(thread.threadId, 1, {
      status: "streaming",
      lockId,
      heartbeatAt: NOW,
    });
    await store.transaction(async (tx) => {
      await tx.insertThread({ ...thread, activeStreamId: stream.streamId });
      await tx.insertStream(stream);
    });
    const refusals: unknown[] = [];
    const writer = createDeltaWriter(
      context,
      stream,
      lockId,
      { saveDeltas: true, throttleMs: 60_000, includeToolInputDeltas: false },
      (error) => refusals.push(error),
    );
    writer.push({ type: "start", messageId: "answer" });
    writer.push({ type: "text-start", id: "text" });
    await writer.flush();
    // Under the 60 s throttle this chunk waits for the flush below.
    writer.push({ type: "text-delta", id: "text", delta: "written after the stop?" });

    // The write checks its ownership in the update of the stream's row (no lock of the thread):
    // it waits for the stop's write of that row and then sees the stream aborted.
    const flushed = await raceWithOtherReplica(
      thread.threadId,
      async (tx) => {
        await tx.updateThread(
          thread.threadId,
          { status: "stopped", activeStreamId: null, stopSignal: true },
          NOW,
        );
        await tx.updateStream(stream.streamId, {
          status: "aborted",
          abortReason: "stopSignal",
          endedAt: NOW,
        });
      },
      () =>
        writer.flush().then(
          () => "written",
          (error: unknown) => error,
        ),
    );

    expect(isStreamOwnershipLostError(flushed)).toBe(true);
    expect(flushed).toMatchObject({ streamId: stream.streamId, reason: "not_streaming" });
    expect(refusals).toStrictEqual([flushed]);
    expect(await store.getStream(stream.streamId)).toMatchObject({
      status: "aborted",
      deltaCount: 1,
    });
    const deltas = await store.listDeltas(thread.threadId, { limit: 10 });
    expect(deltas.map((delta) => delta.chunks.map((chunk) => chunk.type))).toStrictEqual([
      ["start", "text-start"],
    ]);
  });

  it("B20 a recovery sweep the moment a claimed run_turn job ends leaves its turn alone", async () => {
    const thread = threadRecord({ agent: "none", status: "streaming", seq: 1 });
    const stream = streamRecord(thread.threadId, 1);
    await store.transaction(async (tx) => {
      await tx.insertThread({ ...thread, activeStreamId: stream.streamId });
      await tx.insertStream(stream);
      await tx.scheduleJob(
        {
          type: JOB.runTurn,
          threadId: thread.threadId,
          key: turnJobKey(stream.streamId),
          payload: { streamId: stream.streamId },
          runAt: NOW,
        },
        NOW,
      );
    });
    // Claimed as the engine's instance, as its scheduler claims.
    const [job] = await store.claimDueJobs(context.instanceId, NOW, MINUTE, 1, [JOB.runTurn]);
    if (job === undefined) throw new Error("the run_turn job was not claimed");
    const handlers = createJobHandlers(context, { recoveryIntervalMs: MINUTE });
    let sweep: Promise<number> | undefined;

    await handlers[JOB.runTurn](job, {
      async complete() {
        throw new Error("the run_turn job ends in the transaction that takes its stream");
      },
      // Recovery tells a turn that is about to start by its job; once the job is gone, the stream
      // must already be taken, or the sweep supersedes it and starts a second turn.
      completedInTransaction() {
        sweep = recoverThreads(context);
      },
    });
    const continuedBySweep = await sweep;

    expect(continuedBySweep).toBe(0);
    expect(await store.getStream(stream.streamId)).toMatchObject({
      status: "streaming",
      lockId: expect.stringMatching(/^racing-steps-test:/),
    });
    expect(await store.getThread(thread.threadId)).toMatchObject({
      status: "streaming",
      activeStreamId: stream.streamId,
      continueFlag: false,
      seq: 1,
    });
    expect(await store.findJob(JOB.runTurn, turnJobKey(stream.streamId))).toBeUndefined();
  });
});
