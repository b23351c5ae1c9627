// B17: the reports of a tool's runner are applied once; a stale one (another attempt's, a
// finished call's, a deleted thread's) is ignored and logged, never thrown back at the runner.
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { T0, threadRecord, toolCallRecord } from "../store/conformance/fixtures.js";
import { createTestEngineContext } from "../test-support/engine-context.js";
import { createTestSqliteStore, type TestSqliteStore } from "../test-support/test-sqlite-store.js";
import { createToolReportSink } from "./tool-call-operations.js";

describe("tool report sink (B17)", () => {
  let testStore: TestSqliteStore;
  let logged: { msg: string; toolCallId?: string }[];
  const sink = () =>
    createToolReportSink(
      createTestEngineContext(testStore.store, {
        now: () => T0,
        logger: pino(
          { level: "debug" },
          { write: (line: string) => logged.push(JSON.parse(line)) },
        ),
      }),
    );

  beforeEach(async () => {
    testStore = await createTestSqliteStore();
    logged = [];
  });

  afterEach(() => testStore.remove());

  const report = { runnerId: "runner-1", durationMs: 5, attempt: 1 } as const;
  const staleLines = () =>
    logged
      .filter((line) => line.msg === "stale tool outcome ignored")
      .map((line) => line.toolCallId);

  it("ignores a result for a thread that no longer exists", async () => {
    await sink().onOutcome({
      ...report,
      threadId: "deleted",
      toolCallId: "call-1",
      type: "result",
      result: { sunny: true },
    });

    expect(staleLines()).toEqual(["call-1"]);
  });

  it("ignores another attempt's failure and a finished call's result, leaving the call as it is", async () => {
    const thread = threadRecord({ status: "awaiting_tool_results" });
    const pending = toolCallRecord(thread.threadId, { toolCallId: "pending", attempt: 2 });
    const finished = toolCallRecord(thread.threadId, {
      toolCallId: "finished",
      status: "completed",
      result: "done",
    });
    await testStore.store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(pending);
      await tx.insertToolCall(finished);
    });

    await sink().onOutcome({
      ...report,
      threadId: thread.threadId,
      toolCallId: "pending",
      type: "error",
      error: { message: "Service Unavailable", status: 503 },
    });
    await sink().onOutcome({
      ...report,
      threadId: thread.threadId,
      toolCallId: "finished",
      type: "result",
      result: "again",
    });

    expect(staleLines()).toEqual(["pending", "finished"]);
    expect(await testStore.store.getToolCall(thread.threadId, "pending")).toEqual(pending);
    expect(await testStore.store.getToolCall(thread.threadId, "finished")).toEqual(finished);
  });

  it("B16 X9 marks the current attempt's delivered callback awaiting its result, and ignores another attempt's", async () => {
    const thread = threadRecord({ status: "awaiting_tool_results" });
    const call = toolCallRecord(thread.threadId, {
      toolCallId: "callback",
      kind: "async",
      attempt: 2,
      executionState: "running",
      runnerId: "runner-0",
    });
    await testStore.store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(call);
    });
    const delivered = (attempt: number) =>
      sink().onOutcome({
        ...report,
        attempt,
        threadId: thread.threadId,
        toolCallId: "callback",
        type: "callback_delivered",
      });

    await delivered(1);
    expect(staleLines()).toEqual(["callback"]);
    expect(await testStore.store.getToolCall(thread.threadId, "callback")).toEqual(call);

    await delivered(2);
    expect(await testStore.store.getToolCall(thread.threadId, "callback")).toEqual({
      ...call,
      executionState: "awaiting_result",
      runnerId: "runner-1",
      updatedAt: T0,
    });
  });

  it("lets no late progress move an attempt back, and takes a running report's heartbeat", async () => {
    const thread = threadRecord({ status: "awaiting_tool_results" });
    const delivered = toolCallRecord(thread.threadId, {
      toolCallId: "delivered",
      kind: "async",
      executionState: "awaiting_result",
      runnerId: "runner-1",
    });
    const running = toolCallRecord(thread.threadId, {
      toolCallId: "running",
      executionState: "running",
      runnerId: "runner-1",
      lastHeartbeatAt: T0 - 10_000,
    });
    await testStore.store.transaction(async (tx) => {
      await tx.insertThread(thread);
      await tx.insertToolCall(delivered);
      await tx.insertToolCall(running);
    });
    const progress = (toolCallId: string, state: "claimed" | "running") =>
      sink().onProgress({
        threadId: thread.threadId,
        toolCallId,
        attempt: 1,
        runnerId: "runner-1",
        state,
      });

    // The runner's "running" crossed its callback's delivery (core NATS against JetStream).
    await progress("delivered", "running");
    await progress("running", "claimed");
    expect(await testStore.store.getToolCall(thread.threadId, "delivered")).toEqual(delivered);
    expect(await testStore.store.getToolCall(thread.threadId, "running")).toEqual(running);

    await progress("running", "running");
    expect(await testStore.store.getToolCall(thread.threadId, "running")).toMatchObject({
      executionState: "running",
      lastHeartbeatAt: T0,
    });
  });
});
