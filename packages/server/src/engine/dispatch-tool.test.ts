import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobControl } from "../scheduler/scheduler.js";
import { T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import type { JobRecord, ToolKind } from "../store/records.js";
import type { Store } from "../store/store.js";
import { createTestEngineContext, createTestTransport } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import type { DispatchOptions, ToolTask } from "../transport/tool-transport.js";
import { createJobHandlers } from "./job-handlers.js";
import { dispatchKey, JOB, toolCallKey } from "./jobs.js";
import { recordToolCall } from "./tool-calls.js";
import { mutate } from "./unit-of-work.js";

const NOW = T0 + 3_600_000;
const INSTANCE = "dispatch-test";

describe("starting a tool call's attempt (B6, X9)", () => {
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

  /** An engine whose transport records dispatches and offers `inProcessRunnerId`'s slot. */
  function contextWith(inProcessRunnerId: string | undefined, kind: ToolKind = "sync") {
    return createTestEngineContext(store, {
      now: () => NOW,
      instanceId: INSTANCE,
      getToolPolicy: async (name) => ({
        name,
        description: "",
        kind,
        inputSchema: {},
        retry: undefined,
        timeoutMs: 10_000,
      }),
      transport: createTestTransport({
        inProcessRunnerFor: () => inProcessRunnerId,
        dispatch: async (task, options) => {
          dispatched.push({ task, options });
        },
      }),
    });
  }

  function handlersWith(inProcessRunnerId: string | undefined) {
    return createJobHandlers(contextWith(inProcessRunnerId), { recoveryIntervalMs: 60_000 });
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

  describe("the dispatch_tool job", () => {
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

  describe("recording a tool call the model made (B18)", () => {
    /** Records call `call-1` of a `lookup` tool of `kind` in a streaming thread. */
    async function record(options: {
      kind: ToolKind;
      inProcessRunnerId: string | undefined;
      rollBack?: boolean;
    }) {
      const thread = threadRecord({ status: "streaming", seq: 1 });
      await store.transaction((tx) => tx.insertThread(thread));
      const context = contextWith(options.inProcessRunnerId, options.kind);
      const call = { toolCallId: "call-1", toolName: "lookup", args: { q: 1 }, messageId: "m-1" };
      const recorded = mutate(context, async (tx, changes) => {
        await recordToolCall(context, tx, changes, thread, call);
        if (options.rollBack === true) throw new Error("rolled back");
      });
      if (options.rollBack === true) await expect(recorded).rejects.toThrow("rolled back");
      else await recorded;
      return thread.threadId;
    }

    it("starts a sync call on a free in-process runner: recorded running, no dispatch job, handed over after the commit", async () => {
      const threadId = await record({ kind: "sync", inProcessRunnerId: "local:this-process" });

      expect(await store.getToolCall(threadId, "call-1")).toMatchObject({
        status: "pending",
        attempt: 1,
        executionState: "running",
        runnerId: "local:this-process",
        lastHeartbeatAt: NOW,
        deadlineAt: NOW + 10_000,
      });
      expect(await store.findJob(JOB.dispatchTool, dispatchKey(threadId, "call-1", 1))).toBe(
        undefined,
      );
      expect(await store.findJob(JOB.toolDeadline, toolCallKey(threadId, "call-1"))).toMatchObject({
        runAt: NOW + 10_000,
      });
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]?.task).toMatchObject({
        threadId,
        toolCallId: "call-1",
        toolName: "lookup",
        args: { q: 1 },
        attempt: 1,
      });
      expect(dispatched[0]?.options).toEqual({ startRecorded: true });
    });

    it("B6 ignores a call id its thread already recorded: the first call stays, started once", async () => {
      const threadId = await record({ kind: "sync", inProcessRunnerId: "local:this-process" });
      const thread = await store.getThread(threadId);
      if (thread === undefined) throw new Error("the thread is gone");
      const context = contextWith("local:this-process", "sync");
      const again = await mutate(context, (tx, changes) =>
        recordToolCall(context, tx, changes, thread, {
          toolCallId: "call-1",
          toolName: "lookup",
          args: { q: 2 },
          messageId: "m-2",
        }),
      );

      expect(again).toBeUndefined();
      expect(await store.getToolCall(threadId, "call-1")).toMatchObject({
        args: { q: 1 },
        messageId: "m-1",
      });
      expect(dispatched).toHaveLength(1);
    });

    it("hands nothing over when the transaction rolls back", async () => {
      const threadId = await record({
        kind: "sync",
        inProcessRunnerId: "local:this-process",
        rollBack: true,
      });

      expect(await store.getToolCall(threadId, "call-1")).toBeUndefined();
      expect(dispatched).toEqual([]);
    });

    it("queues a call no in-process runner can start now behind a dispatch job", async () => {
      const threadId = await record({ kind: "sync", inProcessRunnerId: undefined });

      expect(await store.getToolCall(threadId, "call-1")).toMatchObject({
        executionState: "queued",
        runnerId: null,
        lastHeartbeatAt: null,
      });
      expect(
        await store.findJob(JOB.dispatchTool, dispatchKey(threadId, "call-1", 1)),
      ).toMatchObject({ runAt: NOW });
      expect(dispatched).toEqual([]);
    });

    it("queues an async call behind a dispatch job even when an in-process runner is free (B16)", async () => {
      const threadId = await record({ kind: "async", inProcessRunnerId: "local:this-process" });

      expect(await store.getToolCall(threadId, "call-1")).toMatchObject({
        executionState: "queued",
        runnerId: null,
      });
      expect(
        await store.findJob(JOB.dispatchTool, dispatchKey(threadId, "call-1", 1)),
      ).toMatchObject({ runAt: NOW });
      expect(dispatched).toEqual([]);
    });
  });
});
