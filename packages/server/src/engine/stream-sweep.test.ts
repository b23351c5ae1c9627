import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobControl } from "../scheduler/scheduler.js";
import { streamRecord, T0, threadRecord } from "../store/conformance/fixtures.js";
import type { JobRecord, StreamRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import { createJobHandlers } from "./job-handlers.js";
import { JOB } from "./jobs.js";

const NOW = T0 + 3_600_000;
const DELAY_MS = 5 * 60_000;
const noControl: JobControl = { complete: async () => {}, completedInTransaction: () => {} };

describe("the stream sweeps (B3, B7)", () => {
  let testStore: TestSqliteStore;
  let store: Store;

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    store = testStore.store;
  });

  afterEach(() => testStore.remove());

  // The default timings: a 5-minute cleanup delay (B7).
  const handlers = () =>
    createJobHandlers(createTestEngineContext(store, { now: () => NOW }), {
      recoveryIntervalMs: 60_000,
    });

  async function seedStreams(...overrides: Partial<StreamRecord>[]): Promise<StreamRecord[]> {
    const thread = threadRecord({ seq: overrides.length });
    const streams = overrides.map((override, index) =>
      streamRecord(thread.threadId, index + 1, override),
    );
    await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      for (const stream of streams) await tx.insertStream(stream);
    });
    return streams;
  }

  const job = (
    payload: JobRecord["payload"],
    key: string,
    type: string = JOB.streamCleanup,
  ): JobRecord => ({
    jobId: "sweep-job",
    type,
    threadId: null,
    key,
    payload,
    runAt: NOW,
    leaseOwner: "owner",
    leaseUntil: NOW + 60_000,
    failedRuns: 0,
    createdAt: NOW,
  });

  it("deletes the streams that ended the cleanup delay ago, keeps the others, and runs again a minute later", async () => {
    const [old, aborted, recent, open] = await seedStreams(
      { status: "finished", endedAt: NOW - DELAY_MS },
      { status: "aborted", abortReason: "stopSignal", endedAt: NOW - DELAY_MS - 1 },
      { status: "finished", endedAt: NOW - DELAY_MS + 1 },
      { status: "streaming", lockId: "turn", heartbeatAt: NOW },
    );

    await handlers()[JOB.streamCleanup](job({}, JOB.streamCleanup), noControl);

    expect(await store.getStream(old?.streamId ?? "")).toBeUndefined();
    expect(await store.getStream(aborted?.streamId ?? "")).toBeUndefined();
    expect(await store.getStream(recent?.streamId ?? "")).toBeDefined();
    expect(await store.getStream(open?.streamId ?? "")).toBeDefined();
    expect(await store.findJob(JOB.streamCleanup, JOB.streamCleanup)).toMatchObject({
      threadId: null,
      runAt: NOW + 60_000,
      leaseOwner: null,
    });
  });

  it("runs an earlier version's cleanup job of one stream on that stream only, once", async () => {
    const [ended, other] = await seedStreams(
      { status: "finished", endedAt: NOW - 1 },
      { status: "finished", endedAt: NOW - DELAY_MS },
    );

    await handlers()[JOB.streamCleanup](
      job({ streamId: ended?.streamId ?? "" }, ended?.streamId ?? ""),
      noControl,
    );

    expect(await store.getStream(ended?.streamId ?? "")).toBeUndefined();
    expect(await store.getStream(other?.streamId ?? "")).toBeDefined();
    expect(await store.findJob(JOB.streamCleanup, JOB.streamCleanup)).toBeUndefined();
  });

  it("B3 aborts the streams silent for the stream timeout, continues their threads, keeps the others, and runs again a minute later", async () => {
    const TIMEOUT_MS = 10 * 60_000;
    const [silent] = await seedStreams({
      status: "streaming",
      lockId: "dead-turn",
      heartbeatAt: NOW - TIMEOUT_MS,
    });
    const [alive] = await seedStreams({
      status: "streaming",
      lockId: "live-turn",
      heartbeatAt: NOW - TIMEOUT_MS + 1,
    });
    const [finished] = await seedStreams({ status: "finished", heartbeatAt: 0, endedAt: NOW });
    const silentThreadId = silent?.threadId ?? "";
    await store.transaction((tx) =>
      tx.updateThread(
        silentThreadId,
        { status: "streaming", activeStreamId: silent?.streamId ?? null },
        NOW,
      ),
    );

    await handlers()[JOB.streamTimeout](job({}, JOB.streamTimeout, JOB.streamTimeout), noControl);

    expect(await store.getStream(silent?.streamId ?? "")).toMatchObject({
      status: "aborted",
      abortReason: "timeout",
      endedAt: NOW,
    });
    // B2: the thread goes on, with a fresh stream for a turn to take.
    const thread = await store.getThread(silentThreadId);
    expect(thread).toMatchObject({ status: "streaming", seq: 2 });
    expect(thread?.activeStreamId).not.toBe(silent?.streamId);
    expect(await store.getStream(alive?.streamId ?? "")).toMatchObject({ status: "streaming" });
    expect(await store.getStream(finished?.streamId ?? "")).toMatchObject({ status: "finished" });
    expect(await store.findJob(JOB.streamTimeout, JOB.streamTimeout)).toMatchObject({
      threadId: null,
      runAt: NOW + 60_000,
      leaseOwner: null,
    });
  });
});
