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

describe("the stream sweep (B7)", () => {
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

  const job = (payload: JobRecord["payload"], key: string): JobRecord => ({
    jobId: "sweep-job",
    type: JOB.streamCleanup,
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
});
