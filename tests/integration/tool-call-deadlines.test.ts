// Async tools and deadlines through real HTTP/2 gRPC (DESIGN §6 B16, B18): the demo model (§8)
// calls the test's request_approval (async) or get_weather (sync); the test answers, waits for
// deadlines, and asserts the tool call and the conversation.
import { durationFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { protoValueToJson } from "@durable-agents/core";
import {
  ThreadStatus,
  type ToolCall,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { failureOf } from "../support/rpc-errors.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  approvalTool,
  onlyCall,
  startThread,
  waitForToolCall,
  weatherTool,
  whenAborted,
} from "../support/tool-harness.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { recordWatch } from "../support/watch-recorder.js";

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  test = await startTestServer(options);
  return test;
}

const msOf = (timestamp: Parameters<typeof timestampMs>[0] | undefined) =>
  timestamp === undefined ? Number.NaN : timestampMs(timestamp);

/** Milliseconds from a call's last change to its next retry: the delay the engine chose. */
const retryDelayOf = (call: ToolCall) => msOf(call.nextRetryTime) - msOf(call.updateTime);

async function theCall(server: TestServer, threadId: string): Promise<ToolCall> {
  return onlyCall((await server.toolCalls.listToolCalls({ threadId })).toolCalls);
}

describe("B16 async tools", () => {
  it("B16 notifies the callback with thread id, tool call id, tool name and args, then waits for AddToolResult", async () => {
    const approval = approvalTool(async () => {});
    const server = await start({ tools: [approval.tool] });
    const threadId = await startThread(server.threads, "please approve my trip");
    await waitForToolCall(
      server.streams,
      threadId,
      "demo_call_1",
      (call) => call.executionState === ToolExecutionState.AWAITING_RESULT,
    );

    expect(approval.executions).toHaveLength(1);
    const [notified] = approval.executions;
    expect(notified?.args).toEqual({ request: "please approve my trip" });
    expect(notified?.context).toMatchObject({
      threadId,
      toolCallId: "demo_call_1",
      toolName: "request_approval",
      attempt: 1,
    });
    const pending = await theCall(server, threadId);
    expect(pending).toMatchObject({
      kind: ToolKind.ASYNC,
      status: ToolCallStatus.PENDING,
      executionState: ToolExecutionState.AWAITING_RESULT,
    });
    expect((await server.threads.getThread({ threadId })).thread?.status).toBe(
      ThreadStatus.AWAITING_TOOL_RESULTS,
    );

    const { applied } = await server.toolCalls.addToolResult({
      threadId,
      toolCallId: "demo_call_1",
      result: {
        kind: {
          case: "structValue",
          value: { fields: { approved: { kind: { case: "boolValue", value: true } } } },
        },
      },
    });
    expect(applied).toBe(true);
    await waitForThread(server.streams, threadId, isIdle);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:please approve my trip"],
      [
        "assistant",
        "tool-request_approval:output-available",
        'text:Approval result: {"approved":true}',
      ],
    ]);
    // The callback is notified once; the result came from AddToolResult, not from a re-run.
    expect(approval.executions).toHaveLength(1);
  });

  it("B16 a failing callback is retried 3 attempts base × 2^(n−1) apart, then the call fails", async () => {
    const approval = approvalTool(async () => {
      throw new Error("hook down");
    });
    const server = await start({
      tools: [approval.tool],
      engine: { timings: { asyncCallbackInitialDelayMs: 100 } },
    });
    const { thread } = await server.threads.createThread({ agent: "demo" });
    const threadId = thread?.threadId ?? "";
    const watch = await recordWatch(server.streams, threadId);
    try {
      await server.threads.sendMessage({
        threadId,
        content: { case: "prompt", value: "please approve" },
      });
      await waitForThread(server.streams, threadId, isIdle);
      const scheduled = watch.events.flatMap(({ response: { event } }) =>
        event.case === "toolCall" &&
        event.value.executionState === ToolExecutionState.RETRY_SCHEDULED
          ? [event.value]
          : [],
      );
      // 100 ms after the first failure, 200 ms after the second.
      expect(scheduled.map((call) => [call.attempt, call.lastError])).toEqual([
        [2, "hook down"],
        [3, "hook down"],
      ]);
      const delays = scheduled.map(retryDelayOf);
      expect(delays[0]).toBeGreaterThan(50);
      expect(delays[0]).toBeLessThanOrEqual(100);
      expect(delays[1]).toBeGreaterThan(150);
      expect(delays[1]).toBeLessThanOrEqual(200);
    } finally {
      await watch.stop();
    }

    const starts = approval.executions.map((execution) => execution.startedAt);
    expect(approval.executions.map((execution) => execution.context.attempt)).toEqual([1, 2, 3]);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(100);
    expect((starts[2] ?? 0) - (starts[1] ?? 0)).toBeGreaterThanOrEqual(200);
    const failed = await theCall(server, threadId);
    expect(failed).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "Async callback failed after 3 attempts: hook down",
      attempt: 3,
      maxAttempts: 3,
    });
    const messages = await listAllMessages(server.threads, threadId);
    expect(textOf(messages.at(-1))).toBe(
      "Approval failed: Async callback failed after 3 attempts: hook down",
    );
  });

  it("B16 by default the callback's first retry comes 5 s after its failure", async () => {
    const approval = approvalTool(async () => {
      throw new Error("hook down");
    });
    const server = await start({ tools: [approval.tool] });
    const threadId = await startThread(server.threads, "please approve");
    const scheduled = await waitForToolCall(
      server.streams,
      threadId,
      "demo_call_1",
      (call) => call.executionState === ToolExecutionState.RETRY_SCHEDULED,
    );
    expect(scheduled).toMatchObject({ attempt: 2, maxAttempts: 3, lastError: "hook down" });
    expect(retryDelayOf(scheduled)).toBeGreaterThan(4_000);
    expect(retryDelayOf(scheduled)).toBeLessThanOrEqual(5_000);
  });

  it("B16 a callback that succeeds on its second attempt leaves the call waiting for its result", async () => {
    const approval = approvalTool(async (_args, context) => {
      if (context.attempt === 1) throw new Error("hook briefly down");
    });
    const server = await start({
      tools: [approval.tool],
      engine: { timings: { asyncCallbackInitialDelayMs: 20 } },
    });
    const threadId = await startThread(server.threads, "please approve");
    await waitForToolCall(
      server.streams,
      threadId,
      "demo_call_1",
      (call) => call.executionState === ToolExecutionState.AWAITING_RESULT,
    );
    expect(await theCall(server, threadId)).toMatchObject({
      status: ToolCallStatus.PENDING,
      attempt: 2,
      lastError: "hook briefly down",
    });
    await server.toolCalls.addToolError({ threadId, toolCallId: "demo_call_1", error: "denied" });
    await waitForThread(server.streams, threadId, isIdle);
    expect(textOf((await listAllMessages(server.threads, threadId)).at(-1))).toBe(
      "Approval failed: denied",
    );
  });
});

describe("B18 tool call deadlines", () => {
  it("B18 a call still pending at its tool's deadline fails, its execution is cancelled, and the model hears why", async () => {
    const cancelled: string[] = [];
    const weather = weatherTool(
      async (_args, context) => {
        cancelled.push(await whenAborted(context.signal));
        throw new Error("gave up");
      },
      { timeoutMs: 200 },
    );
    const server = await start({ tools: [weather.tool] });
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);

    const call = await theCall(server, threadId);
    expect(call).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "Tool call timed out after 200 ms",
    });
    expect(msOf(call.deadline) - msOf(call.createTime)).toBe(200);
    // The handler's AbortSignal fired with the same reason (X9).
    expect(cancelled).toEqual(["Tool call timed out after 200 ms"]);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-error",
        "text:Could not get the weather in Paris: Tool call timed out after 200 ms",
      ],
    ]);
  });

  it("B18 every call gets the default deadline of 30 minutes", async () => {
    const server = await start({});
    const weatherThread = await startThread(server.threads, "weather in Paris");
    const approvalThread = await startThread(server.threads, "please approve");
    await waitForThread(server.streams, weatherThread, isIdle);
    await waitForThread(
      server.streams,
      approvalThread,
      hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    );
    for (const threadId of [weatherThread, approvalThread]) {
      const call = await theCall(server, threadId);
      expect(msOf(call.deadline) - msOf(call.createTime)).toBe(30 * 60_000);
    }
  });

  it("B18 the default deadline fails the call with the timeout in whole units", async () => {
    const server = await start({ engine: { timings: { defaultToolTimeoutMs: 1_000 } } });
    const threadId = await startThread(server.threads, "please approve");
    await waitForThread(server.streams, threadId, isIdle);
    expect(await theCall(server, threadId)).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "Tool call timed out after 1 second",
    });
    expect(textOf((await listAllMessages(server.threads, threadId)).at(-1))).toBe(
      "Approval failed: Tool call timed out after 1 second",
    );
  });

  it("B18 SetToolCallTimeout re-arms the deadline from now", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "please approve");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));

    const before = Date.now();
    const { toolCall } = await server.toolCalls.setToolCallTimeout({
      threadId,
      toolCallId: "demo_call_1",
      timeout: durationFromMs(300),
    });
    const after = Date.now();
    const deadline = msOf(toolCall?.deadline);
    expect(deadline).toBeGreaterThanOrEqual(before + 300);
    expect(deadline).toBeLessThanOrEqual(after + 300);
    expect(toolCall?.status).toBe(ToolCallStatus.PENDING);

    await waitForThread(server.streams, threadId, isIdle);
    expect(await theCall(server, threadId)).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "Tool call timed out after 300 ms",
    });
    expect(textOf((await listAllMessages(server.threads, threadId)).at(-1))).toBe(
      "Approval failed: Tool call timed out after 300 ms",
    );
  });

  it("B18 SetToolCallTimeout without a timeout removes the deadline", async () => {
    const server = await start({});
    const kept = await startThread(server.threads, "please approve A");
    const timed = await startThread(server.threads, "please approve B");
    for (const threadId of [kept, timed]) {
      await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    }
    const call = { threadId: kept, toolCallId: "demo_call_1" };
    await server.toolCalls.setToolCallTimeout({ ...call, timeout: durationFromMs(300) });
    const { toolCall } = await server.toolCalls.setToolCallTimeout(call);
    expect(toolCall?.deadline).toBeUndefined();
    // A later deadline on another thread: once it fired, the removed one would have too.
    await server.toolCalls.setToolCallTimeout({
      threadId: timed,
      toolCallId: "demo_call_1",
      timeout: durationFromMs(400),
    });
    await waitForThread(server.streams, timed, isIdle);
    expect((await theCall(server, timed)).status).toBe(ToolCallStatus.FAILED);

    const stillPending = await theCall(server, kept);
    expect(stillPending.status).toBe(ToolCallStatus.PENDING);
    expect(stillPending.deadline).toBeUndefined();
    expect((await server.threads.getThread({ threadId: kept })).thread?.status).toBe(
      ThreadStatus.AWAITING_TOOL_RESULTS,
    );
  });

  it("B18 SetToolCallTimeout refuses a non-positive timeout and a finished call", async () => {
    const server = await start({});
    const awaiting = await startThread(server.threads, "please approve");
    const finished = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, awaiting, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    await waitForThread(server.streams, finished, isIdle);
    const call = { threadId: awaiting, toolCallId: "demo_call_1" };

    for (const timeout of [durationFromMs(0), durationFromMs(-5_000)]) {
      expect(
        await failureOf(server.toolCalls.setToolCallTimeout({ ...call, timeout })),
      ).toMatchObject({ code: "InvalidArgument", fields: ["timeout"] });
    }
    expect(
      await failureOf(
        server.toolCalls.setToolCallTimeout({
          threadId: finished,
          toolCallId: "demo_call_1",
          timeout: durationFromMs(1_000),
        }),
      ),
    ).toMatchObject({ code: "FailedPrecondition" });
    // The refused requests changed nothing.
    const pending = await theCall(server, awaiting);
    expect(msOf(pending.deadline) - msOf(pending.createTime)).toBe(30 * 60_000);
    expect(protoValueToJson((await theCall(server, finished)).result)).toEqual({
      weather: "sunny",
      temperature: 22,
    });
  });
});
