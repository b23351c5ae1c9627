import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobControl } from "../scheduler/scheduler.js";
import { T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import type { JobRecord } from "../store/records.js";
import type { Store } from "../store/store.js";
import { createTestEngineContext, createTestTransport } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import type { DispatchOptions, ToolTask } from "../transport/tool-transport.js";
import { createJobHandlers } from "./job-handlers.js";
import { dispatchKey, JOB } from "./jobs.js";

const NOW = T0 + 3_600_000;
const INSTANCE = "dispatch-test";

describe("the dispatch_tool job (B6, X9)", () => {
  let testStore: TestSqliteStore;
  let store: Store;
  const dispatched: { task: ToolTask; options: DispatchOptions | undefined }[] = [];

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    store = testStore.store;
    dispatched.length = 0;
  });

  afterEach(() => testStore.remove());

  /** A pending call with its dispatch job scheduled and claimed as the engine's scheduler would. */
  async function claimedDispatch(): Promise<{
    threadId: string;
    toolCallId: string;
    job: JobRecord;
  }> {
    const thread = threadRecord({ status: "streaming", seq: 1 });
    const call = toolCallRecord(thread.threadId, { status: "pending", attempt: 1 });
    await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(call);
      await tx.scheduleJob(
        {
          type: JOB.dispatchTool,
          threadId: thread.threadId,
          key: dispatchKey(thread.threadId, call.toolCallId, 1),
          payload: { toolCallId: call.toolCallId, attempt: 1 },
          runAt: NOW,
        },
        NOW,
      );
    });
    const [job] = await store.claimDueJobs(INSTANCE, NOW, 60_000, 1);
    if (job === undefined) throw new Error("the dispatch job was not claimed");
    return { threadId: thread.threadId, toolCallId: call.toolCallId, job };
  }

  function handlersWith(inProcessRunnerId: string | undefined) {
    const context = createTestEngineContext(store, {
      now: () => NOW,
      instanceId: INSTANCE,
      transport: createTestTransport({
        inProcessRunnerFor: () => inProcessRunnerId,
        dispatch: async (task, options) => {
          dispatched.push({ task, options });
        },
      }),
    });
    return createJobHandlers(context, { recoveryIntervalMs: 60_000 });
  }

  /** Runs the job as the scheduler does: it deletes the job after, unless the handler did. */
  async function run(handlers: ReturnType<typeof handlersWith>, job: JobRecord) {
    let completedInTransaction = false;
    const control: JobControl = {
      complete: async () => {
        await store.completeJob(job.jobId, INSTANCE);
      },
      completedInTransaction: () => {
        completedInTransaction = true;
      },
    };
    await handlers[JOB.dispatchTool](job, control);
    return { completedInTransaction };
  }

  it("records an in-process attempt running with its runner and heartbeat, and ends its job, in one transaction", async () => {
    const { threadId, toolCallId, job } = await claimedDispatch();

    const { completedInTransaction } = await run(handlersWith("local:this-process"), job);

    expect(await store.getToolCall(threadId, toolCallId)).toMatchObject({
      executionState: "running",
      runnerId: "local:this-process",
      lastHeartbeatAt: NOW,
    });
    expect(completedInTransaction).toBe(true);
    expect(await store.findJob(JOB.dispatchTool, job.key)).toBeUndefined();
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]?.options).toEqual({ startRecorded: true });
  });

  it("leaves an attempt for a runner elsewhere queued, its job to the scheduler after the hand-off", async () => {
    const { threadId, toolCallId, job } = await claimedDispatch();

    const { completedInTransaction } = await run(handlersWith(undefined), job);

    expect(await store.getToolCall(threadId, toolCallId)).toMatchObject({
      executionState: "queued",
      runnerId: null,
      lastHeartbeatAt: null,
    });
    expect(completedInTransaction).toBe(false);
    expect(await store.findJob(JOB.dispatchTool, job.key)).toMatchObject({ jobId: job.jobId });
    expect(dispatched[0]?.options).toEqual({ startRecorded: false });
  });
});
