// Sync tool calls through real HTTP/2 gRPC (DESIGN §6 B6, B15, B17, B19, B23, B24): the demo model
// (§8) calls the test's own get_weather / request_approval, or a scripted model calls them when a
// turn must make two calls or stay open; each test asserts the tool call and the conversation.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { protoToUIChunk, protoValueToJson, type UIChunk } from "@durable-agents/core";
import {
  type Delta,
  StreamStatus,
  ThreadStatus,
  type ToolCall,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "@durable-agents/core/proto";
import type { JsonValue } from "@durable-agents/tool-runner";
import { afterEach, describe, expect, it } from "vitest";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { failureOf } from "../support/rpc-errors.js";
import { createGate, createScriptedModel, textReply } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  httpError,
  networkError,
  onlyCall,
  startThread,
  waitForToolCall,
  weatherTool,
} from "../support/tool-harness.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { recordWatch } from "../support/watch-recorder.js";

const SUNNY: JsonValue = { weather: "sunny", temperature: 22 };

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  test = await startTestServer(options);
  return test;
}

async function callsOf(server: TestServer, threadId: string): Promise<ToolCall[]> {
  return (await server.toolCalls.listToolCalls({ threadId })).toolCalls;
}

/** Every stored delta of a thread, read with StreamUpdates(history_only). */
async function storedDeltas(server: TestServer, threadId: string): Promise<Delta[]> {
  const deltas: Delta[] = [];
  for await (const response of server.streams.streamUpdates({
    threadId,
    fromSeq: 1n,
    historyOnly: true,
  })) {
    if (response.update.case === "delta") deltas.push(response.update.value);
  }
  return deltas;
}

/** The deltas holding a tool outcome chunk, with the chunks. */
function outcomeDeltas(deltas: readonly Delta[]): { delta: Delta; chunks: UIChunk[] }[] {
  return deltas
    .map((delta) => ({ delta, chunks: delta.chunks.map(protoToUIChunk) }))
    .filter(({ chunks }) =>
      chunks.some(
        (chunk) => chunk.type === "tool-output-available" || chunk.type === "tool-output-error",
      ),
    );
}

const msOf = (timestamp: Parameters<typeof timestampMs>[0] | undefined) =>
  timestamp === undefined ? undefined : timestampMs(timestamp);

describe("B6 tool calls are recorded and dispatched during the stream", () => {
  it("B6 the tool's handler runs while the turn that called it still streams", async () => {
    const handlerStarted = createGate();
    const release = createGate();
    const weather = weatherTool(async () => {
      handlerStarted.open();
      await release.promise;
      return { weather: "rainy" };
    });
    // The turn holds its stream open until the test releases it: if dispatch waited for the
    // stream's end, the handler would never start and the test would time out.
    const scripted = createScriptedModel((index) =>
      index === 0
        ? {
            parts: [
              {
                type: "tool-call",
                toolCallId: "call_oslo",
                toolName: "get_weather",
                input: JSON.stringify({ location: "Oslo" }),
              },
            ],
            holdUntil: release.promise,
          }
        : textReply("It rains in Oslo."),
    );
    const server = await start({
      tools: [weather.tool],
      agents: [{ name: "scripted", model: scripted.model, tools: ["get_weather"] }],
    });
    const { thread } = await server.threads.createThread({ agent: "scripted" });
    const threadId = thread?.threadId ?? "";
    const watch = await recordWatch(server.streams, threadId);
    try {
      await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "Oslo?" } });
      await handlerStarted.promise;

      // Recorded pending and running while the turn is still streaming.
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_oslo",
      });
      expect(toolCall).toMatchObject({
        toolName: "get_weather",
        kind: ToolKind.SYNC,
        status: ToolCallStatus.PENDING,
        executionState: ToolExecutionState.RUNNING,
        attempt: 1,
      });
      expect(toolCall?.runnerId).toMatch(/^local:/);
      const during = await server.threads.getThread({ threadId });
      expect(during.thread?.status).toBe(ThreadStatus.STREAMING);
      expect(during.thread?.activeStreamId).not.toBeUndefined();

      release.open();
      await waitForThread(server.streams, threadId, isIdle);
      const events = await watch.until(
        (seen) =>
          seen.some(
            ({ response: { event } }) =>
              event.case === "thread" && event.value.status === ThreadStatus.COMPLETED,
          ),
        "completed thread",
      );
      // WatchThread shows the pending call before the calling turn's stream finished.
      const turnStreamSeq = 1n;
      const pendingAt = events.findIndex(
        ({ response: { event } }) =>
          event.case === "toolCall" && event.value.status === ToolCallStatus.PENDING,
      );
      const turnFinishedAt = events.findIndex(
        ({ response: { event } }) =>
          event.case === "streamState" &&
          event.value.streamSeq === turnStreamSeq &&
          event.value.status === StreamStatus.FINISHED,
      );
      expect(pendingAt).toBeGreaterThanOrEqual(0);
      expect(turnFinishedAt).toBeGreaterThan(pendingAt);
    } finally {
      await watch.stop();
    }

    // The next turn saw the result (B4) and answered.
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:Oslo?"],
      ["assistant", "tool-get_weather:output-available", "text:It rains in Oslo."],
    ]);
    const secondPrompt = JSON.stringify(scripted.calls[1]?.prompt);
    expect(secondPrompt).toContain('"toolCallId":"call_oslo"');
    expect(secondPrompt).toContain("rainy");
    const call = onlyCall(await callsOf(server, threadId));
    expect(call.status).toBe(ToolCallStatus.COMPLETED);
  });

  it("B6 tool call ids are unique per thread across turns", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);
    await server.threads.sendMessage({
      threadId,
      content: { case: "prompt", value: "and the weather in Oslo?" },
    });
    await waitForThread(server.streams, threadId, isIdle);

    const calls = await callsOf(server, threadId);
    expect(
      calls.map((call) => [call.toolCallId, protoValueToJson(call.args), call.status]),
    ).toEqual([
      ["demo_call_1", { location: "Paris" }, ToolCallStatus.COMPLETED],
      ["demo_call_2", { location: "Oslo" }, ToolCallStatus.COMPLETED],
    ]);
    const messages = await listAllMessages(server.threads, threadId);
    expect(messages.map(textOf)).toEqual([
      "weather in Paris",
      "The weather in Paris is sunny, 22°C.",
      "and the weather in Oslo?",
      "The weather in Oslo is sunny, 22°C.",
    ]);
  });
});

describe("B15 B23 sync tool failures and retries", () => {
  const fixedRetry = (delayMs: number, maxAttempts = 3) => ({
    enabled: true,
    maxAttempts,
    backoff: { strategy: "fixed" as const, delayMs, jitter: "none" as const },
  });

  it("B15 retries a retryable failure, shows the scheduled retry on the call, and answers with attempt 2's result", async () => {
    const weather = weatherTool(
      async (_args, context) => {
        if (context.attempt === 1) throw httpError(503, "upstream 503");
        return { weather: "cloudy", temperature: 12 };
      },
      { retry: fixedRetry(500) },
    );
    const server = await start({ tools: [weather.tool] });
    const { thread } = await server.threads.createThread({ agent: "demo" });
    const threadId = thread?.threadId ?? "";
    const watch = await recordWatch(server.streams, threadId);
    try {
      await server.threads.sendMessage({
        threadId,
        content: { case: "prompt", value: "weather in Paris" },
      });
      await watch.until(
        (seen) =>
          seen.some(
            ({ response: { event } }) =>
              event.case === "toolCall" &&
              event.value.executionState === ToolExecutionState.RETRY_SCHEDULED,
          ),
        "scheduled retry",
      );
      // While the retry waits, the call says which attempt comes, why, and when (B15).
      const { toolCall } = await server.toolCalls.getToolCall({
        threadId,
        toolCallId: "demo_call_1",
      });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.PENDING,
        executionState: ToolExecutionState.RETRY_SCHEDULED,
        attempt: 2,
        maxAttempts: 3,
        lastError: "upstream 503",
        error: "",
      });
      const nextRetryAt = msOf(toolCall?.nextRetryTime) ?? 0;
      const failedAt = msOf(toolCall?.updateTime) ?? 0;
      // The fixed backoff without jitter: 500 ms after the failure was recorded.
      expect(nextRetryAt - failedAt).toBeGreaterThan(400);
      expect(nextRetryAt - failedAt).toBeLessThanOrEqual(500);

      await waitForThread(server.streams, threadId, isIdle);
      expect(weather.executions.map((execution) => execution.context.attempt)).toEqual([1, 2]);
      expect(weather.executions[1]?.startedAt).toBeGreaterThanOrEqual(nextRetryAt);
    } finally {
      await watch.stop();
    }

    const call = onlyCall(await callsOf(server, threadId));
    expect(call).toMatchObject({ status: ToolCallStatus.COMPLETED, attempt: 2, error: "" });
    expect(protoValueToJson(call.result)).toEqual({ weather: "cloudy", temperature: 12 });
    expect(call.nextRetryTime).toBeUndefined();
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    expect(messages[1]?.parts.find((part) => part.type === "tool-get_weather")).toMatchObject({
      output: { weather: "cloudy", temperature: 12 },
    });

    // The outcome is a delta of its own one-delta stream, between the two turns' streams.
    const deltas = await storedDeltas(server, threadId);
    const [outcome, ...moreOutcomes] = outcomeDeltas(deltas);
    expect(moreOutcomes).toEqual([]);
    expect(outcome?.chunks).toEqual([
      {
        type: "tool-output-available",
        toolCallId: "demo_call_1",
        output: { weather: "cloudy", temperature: 12 },
      },
    ]);
    const outcomeSeq = outcome?.delta.streamSeq;
    expect(deltas.filter((delta) => delta.streamSeq === outcomeSeq)).toHaveLength(1);
    const turnSeqs = [...new Set(deltas.map((delta) => delta.streamSeq))].filter(
      (seq) => seq !== outcomeSeq,
    );
    expect(turnSeqs).toEqual([1n, 3n]);
    expect(outcomeSeq).toBe(2n);
  });

  it("B15 B23 a non-retryable failure (400) fails the call at once with its error text", async () => {
    const weather = weatherTool(
      async () => {
        throw httpError(400, "unknown city");
      },
      { retry: fixedRetry(10) },
    );
    const server = await start({ tools: [weather.tool] });
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);

    expect(weather.executions).toHaveLength(1);
    const call = onlyCall(await callsOf(server, threadId));
    expect(call).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "unknown city",
      attempt: 1,
      maxAttempts: 3,
      executionState: ToolExecutionState.DONE,
    });
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-error",
        "text:Could not get the weather in Paris: unknown city",
      ],
    ]);
    const [outcome] = outcomeDeltas(await storedDeltas(server, threadId));
    expect(outcome?.chunks).toEqual([
      { type: "tool-output-error", toolCallId: "demo_call_1", errorText: "unknown city" },
    ]);
  });

  it("B15 with retries disabled a retryable failure fails at once", async () => {
    const weather = weatherTool(async () => {
      throw httpError(503, "upstream 503");
    });
    const server = await start({ tools: [weather.tool] });
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);

    expect(weather.executions).toHaveLength(1);
    const call = onlyCall(await callsOf(server, threadId));
    expect(call).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "upstream 503",
      attempt: 1,
      maxAttempts: 1,
    });
    const messages = await listAllMessages(server.threads, threadId);
    expect(textOf(messages.at(-1))).toBe("Could not get the weather in Paris: upstream 503");
  });

  it("B15 exhausting the attempts fails the call and gives the model the error text", async () => {
    const weather = weatherTool(
      async () => {
        throw httpError(503, "upstream 503");
      },
      { retry: fixedRetry(20) },
    );
    const server = await start({ tools: [weather.tool] });
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);

    expect(weather.executions.map((execution) => execution.context.attempt)).toEqual([1, 2, 3]);
    expect(weather.executions.map((execution) => execution.context.maxAttempts)).toEqual([3, 3, 3]);
    const call = onlyCall(await callsOf(server, threadId));
    expect(call).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "upstream 503",
      lastError: "upstream 503",
      attempt: 3,
      maxAttempts: 3,
    });
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-error",
        "text:Could not get the weather in Paris: upstream 503",
      ],
    ]);
    const outcomes = outcomeDeltas(await storedDeltas(server, threadId));
    expect(outcomes.map(({ chunks }) => chunks)).toEqual([
      [{ type: "tool-output-error", toolCallId: "demo_call_1", errorText: "upstream 503" }],
    ]);
  });

  it("B15 a tool's shouldRetry overrides the default classifier, including the delay", async () => {
    const weather = weatherTool(
      async ({ location }, context) => {
        if (context.attempt > 1) return SUNNY;
        if (location === "Alpha") throw httpError(400, "alpha refused");
        if (location === "Beta") throw httpError(503, "beta unavailable");
        throw httpError(400, "gamma refused");
      },
      {
        // A backoff the test could not wait for: only shouldRetry's own delay keeps it short.
        retry: fixedRetry(600_000),
        shouldRetry: (error) => {
          const message = error instanceof Error ? error.message : "";
          if (message.startsWith("alpha")) return true;
          if (message.startsWith("gamma")) return { retryable: true, delayMs: 30 };
          return false;
        },
      },
    );
    const server = await start({ tools: [weather.tool] });
    const alpha = await startThread(server.threads, "weather in Alpha");
    const beta = await startThread(server.threads, "weather in Beta");
    const gamma = await startThread(server.threads, "weather in Gamma");
    await waitForThread(server.streams, beta, isIdle);
    await waitForThread(server.streams, gamma, isIdle);

    // Beta: 503 is retryable by default, but the tool said no.
    expect(onlyCall(await callsOf(server, beta))).toMatchObject({
      status: ToolCallStatus.FAILED,
      error: "beta unavailable",
      attempt: 1,
    });
    // Gamma: 400 is not retryable by default; the tool said yes, after 30 ms.
    expect(onlyCall(await callsOf(server, gamma))).toMatchObject({
      status: ToolCallStatus.COMPLETED,
      attempt: 2,
      lastError: "gamma refused",
    });
    expect(textOf((await listAllMessages(server.threads, gamma)).at(-1))).toBe(
      "The weather in Gamma is sunny, 22°C.",
    );
    // Alpha: retried too, but with the policy's 10-minute backoff.
    await waitForToolCall(
      server.streams,
      alpha,
      "demo_call_1",
      (call) => call.executionState === ToolExecutionState.RETRY_SCHEDULED,
    );
    const { toolCall } = await server.toolCalls.getToolCall({
      threadId: alpha,
      toolCallId: "demo_call_1",
    });
    expect(toolCall).toMatchObject({
      status: ToolCallStatus.PENDING,
      executionState: ToolExecutionState.RETRY_SCHEDULED,
      attempt: 2,
      lastError: "alpha refused",
    });
    const delayMs = (msOf(toolCall?.nextRetryTime) ?? 0) - (msOf(toolCall?.updateTime) ?? 0);
    expect(delayMs).toBeGreaterThan(599_000);
  });

  it("B23 retries 408, 409, 429, 5xx and network error codes, and no other 4xx or unknown error", async () => {
    const failures: Record<string, Error> = {
      S408: httpError(408, "request timeout"),
      S409: httpError(409, "conflict"),
      S429: httpError(429, "too many requests"),
      S500: httpError(500, "internal error"),
      S502: httpError(502, "bad gateway"),
      S503: httpError(503, "unavailable"),
      S504: httpError(504, "gateway timeout"),
      Reset: networkError("ECONNRESET", "socket closed"),
      Refused: networkError("ECONNREFUSED", "connect failed"),
      Timedout: networkError("ETIMEDOUT", "connect timed out"),
      S400: httpError(400, "bad request"),
      S401: httpError(401, "unauthorized"),
      S403: httpError(403, "forbidden"),
      S404: httpError(404, "not found"),
      S422: httpError(422, "unprocessable"),
      Plain: new Error("the tool is confused"),
    };
    const retried = new Set(["S408", "S409", "S429", "S500", "S502", "S503", "S504"]);
    for (const city of ["Reset", "Refused", "Timedout"]) retried.add(city);
    const weather = weatherTool(
      async ({ location }, context) => {
        const failure = failures[location];
        if (context.attempt === 1 && failure !== undefined) throw failure;
        return SUNNY;
      },
      { retry: fixedRetry(10, 2) },
    );
    const server = await start({ tools: [weather.tool] });
    const threads = new Map<string, string>();
    for (const city of Object.keys(failures)) {
      threads.set(city, await startThread(server.threads, `weather in ${city}`));
    }
    const outcomes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [city, threadId] of threads) {
      await waitForThread(server.streams, threadId, isIdle);
      const call = onlyCall(await callsOf(server, threadId));
      outcomes[city] = `${ToolCallStatus[call.status]} after ${call.attempt}`;
      expected[city] = retried.has(city) ? "COMPLETED after 2" : "FAILED after 1";
    }
    expect(outcomes).toEqual(expected);
    const s401 = await listAllMessages(server.threads, threads.get("S401") ?? "");
    expect(textOf(s401.at(-1))).toBe("Could not get the weather in S401: unauthorized");
  });
});

describe("B17 completing tool calls", () => {
  it("B17 completing a call its runner already finished is ignored: no change, no second continuation", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);
    const before = (await server.threads.getThread({ threadId })).thread;

    const result = await server.toolCalls.addToolResult({
      threadId,
      toolCallId: "demo_call_1",
      result: { kind: { case: "stringValue", value: "late" } },
    });
    const error = await server.toolCalls.addToolError({
      threadId,
      toolCallId: "demo_call_1",
      error: "late failure",
    });
    expect([result.applied, error.applied]).toEqual([false, false]);
    expect(result.toolCall?.status).toBe(ToolCallStatus.COMPLETED);
    expect(protoValueToJson(error.toolCall?.result)).toEqual(SUNNY);

    const after = (await server.threads.getThread({ threadId })).thread;
    expect(after?.version).toBe(before?.version);
    expect(after?.seq).toBe(before?.seq);
    expect(after?.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(server.threads, threadId);
    expect(messages.map(textOf)).toEqual([
      "weather in Paris",
      "The weather in Paris is sunny, 22°C.",
    ]);
  });

  it("B17 of two racing AddToolResult calls exactly one applies and the thread answers once", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "please approve my trip");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));

    const answers = await Promise.all(
      ["first", "second"].map((value) =>
        server.toolCalls.addToolResult({
          threadId,
          toolCallId: "demo_call_1",
          result: { kind: { case: "stringValue", value } },
        }),
      ),
    );
    const applied = answers.filter((answer) => answer.applied);
    expect(applied).toHaveLength(1);
    const winner = protoValueToJson(applied[0]?.toolCall?.result);
    await waitForThread(server.streams, threadId, isIdle);

    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:please approve my trip"],
      [
        "assistant",
        "tool-request_approval:output-available",
        `text:Approval result: ${JSON.stringify(winner)}`,
      ],
    ]);
    expect(onlyCall(await callsOf(server, threadId)).status).toBe(ToolCallStatus.COMPLETED);
  });

  it("B17 an unknown tool call or thread is NOT_FOUND", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "please approve");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const unknown = { threadId, toolCallId: "no_such_call" };

    const failures = await Promise.all([
      failureOf(
        server.toolCalls.addToolResult({
          ...unknown,
          result: { kind: { case: "nullValue", value: 0 } },
        }),
      ),
      failureOf(server.toolCalls.addToolError({ ...unknown, error: "nope" })),
      failureOf(server.toolCalls.getToolCall(unknown)),
      failureOf(server.toolCalls.setToolCallTimeout({ ...unknown })),
      failureOf(
        server.toolCalls.addToolResult({
          threadId: "no-such-thread",
          toolCallId: "demo_call_1",
          result: { kind: { case: "nullValue", value: 0 } },
        }),
      ),
    ]);
    expect(failures.map((failure) => failure.code)).toEqual([
      "NotFound",
      "NotFound",
      "NotFound",
      "NotFound",
      "NotFound",
    ]);
    // The real call is untouched.
    expect(onlyCall(await callsOf(server, threadId)).status).toBe(ToolCallStatus.PENDING);
  });
});

describe("B19 the tool-complete check", () => {
  it("B19 the loop continues only once the last pending call of a turn completes", async () => {
    const approvalCall = (toolCallId: string, request: string) => ({
      type: "tool-call" as const,
      toolCallId,
      toolName: "request_approval",
      input: JSON.stringify({ request }),
    });
    const scripted = createScriptedModel((index) =>
      index === 0
        ? { parts: [approvalCall("call_a", "leave"), approvalCall("call_b", "budget")] }
        : textReply("Both answered."),
    );
    const server = await start({
      agents: [{ name: "two-calls", model: scripted.model, tools: ["request_approval"] }],
    });
    const threadId = await startThread(server.threads, "approve both", "two-calls");
    await waitForThread(server.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
    const pending = await callsOf(server, threadId);
    expect(pending.map((call) => [call.toolCallId, call.status])).toEqual([
      ["call_a", ToolCallStatus.PENDING],
      ["call_b", ToolCallStatus.PENDING],
    ]);

    const first = await server.toolCalls.addToolResult({
      threadId,
      toolCallId: "call_a",
      result: { kind: { case: "stringValue", value: "yes" } },
    });
    expect(first.applied).toBe(true);
    // One call still pending: the thread waits, no turn started.
    const waiting = (await server.threads.getThread({ threadId })).thread;
    expect(waiting?.status).toBe(ThreadStatus.AWAITING_TOOL_RESULTS);
    expect(waiting?.activeStreamId).toBeUndefined();
    expect(scripted.calls).toHaveLength(1);

    await server.toolCalls.addToolError({ threadId, toolCallId: "call_b", error: "over budget" });
    await waitForThread(server.streams, threadId, isIdle);
    expect(scripted.calls).toHaveLength(2);
    // The next turn saw both outcomes (B4).
    const secondPrompt = JSON.stringify(scripted.calls[1]?.prompt);
    expect(secondPrompt).toContain('"toolCallId":"call_a"');
    expect(secondPrompt).toContain('"toolCallId":"call_b"');
    expect(secondPrompt).toContain("over budget");
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:approve both"],
      [
        "assistant",
        "tool-request_approval:output-available",
        "tool-request_approval:output-error",
        "text:Both answered.",
      ],
    ]);
  });
});

describe("B24 usage", () => {
  it("B24 records the model's usage on each assistant message, sums it on the thread and reports it to the hook", async () => {
    const reported: { messageId: string; inputTokens: number; outputTokens: number }[] = [];
    const server = await start({
      // An agent without a system prompt, so the demo's counts (characters / 4) are easy to read.
      agents: [{ name: "plain", model: "demo:echo" }],
      hooks: {
        onUsage: ({ messageId, usage }) => {
          reported.push({
            messageId,
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
          });
        },
      },
    });
    const threadId = await startThread(server.threads, "hi", "plain");
    await waitForThread(server.streams, threadId, isIdle);
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "hello" } });
    await waitForThread(server.streams, threadId, isIdle);

    const { messages } = await server.threads.listMessages({ threadId });
    const usageOf = (index: number) => {
      const usage = messages[index]?.usage;
      return [usage?.inputTokens, usage?.outputTokens, usage?.totalTokens];
    };
    // Turn 1 reads "hi" (1 token) and writes "You said: hi" (12 characters, 3 tokens).
    expect(usageOf(1)).toEqual([1n, 3n, 4n]);
    // Turn 2 reads "hi" + "You said: hi" + "hello" (19 characters, 5 tokens) and writes
    // "You said: hello" (15 characters, 4 tokens).
    expect(usageOf(3)).toEqual([5n, 4n, 9n]);
    expect(messages[0]?.usage).toBeUndefined();
    const { thread } = await server.threads.getThread({ threadId });
    expect([
      thread?.usage?.inputTokens,
      thread?.usage?.outputTokens,
      thread?.usage?.totalTokens,
    ]).toEqual([6n, 7n, 13n]);
    expect(reported).toEqual([
      { messageId: messages[1]?.messageId, inputTokens: 1, outputTokens: 3 },
      { messageId: messages[3]?.messageId, inputTokens: 5, outputTokens: 4 },
    ]);
  });

  it("B24 a message built by two turns of a tool loop carries both turns' usage", async () => {
    const server = await start({});
    const threadId = await startThread(server.threads, "weather in Paris");
    await waitForThread(server.streams, threadId, isIdle);
    const { messages } = await server.threads.listMessages({ threadId });
    const { thread } = await server.threads.getThread({ threadId });
    expect(messages).toHaveLength(2);
    const messageUsage = messages[1]?.usage;
    expect(messageUsage?.outputTokens).toBeGreaterThan(0n);
    // The thread's usage is this one message's: both turns of the loop are on it.
    expect(thread?.usage?.inputTokens).toBe(messageUsage?.inputTokens);
    expect(thread?.usage?.outputTokens).toBe(messageUsage?.outputTokens);
    expect(thread?.usage?.totalTokens).toBe(messageUsage?.totalTokens);
    // Turn 2 answers "The weather in Paris is sunny, 22°C." (36 characters, 9 tokens); turn 1's
    // tool call input {"location":"Paris"} (20 characters, 5 tokens) comes on top.
    expect(messageUsage?.outputTokens).toBe(14n);
  });
});
