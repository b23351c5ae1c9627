// A real server whose agent calls an OpenAI-compatible provider over HTTP (the fake of
// tests/support/fake-openai.ts, through `@ai-sdk/openai-compatible`): a streamed answer arrives
// whole with its usage, and a tool call streamed in `delta.tool_calls` runs and goes back to the
// model with its result. The provider's failures are the fault suite's (tests/faults).
import type { Usage } from "@durable-agents/core/proto";
import { ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import {
  deltaEvents,
  recordWatch,
  streamedText,
  type WatchRecording,
} from "../support/watch-recorder.js";

describe("an OpenAI-compatible provider over HTTP", () => {
  let fake: FakeOpenAI;
  let test: TestServer | undefined;
  const recordings: WatchRecording[] = [];

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });
  afterEach(async () => {
    for (const recording of recordings.splice(0)) await recording.stop();
    await test?.close();
    test = undefined;
    await fake.close();
  });

  async function start(): Promise<TestServer> {
    test = await startTestServer({
      config: {
        providers: {
          demo: { type: "demo", chunkDelayMs: 0 },
          fake: { type: "openai-compatible", baseURL: fake.baseURL, apiKey: "k" },
        },
        agents: [
          { name: "plain", model: "fake:gpt-test" },
          { name: "tooled", model: "fake:gpt-test", tools: ["get_weather"] },
        ],
      },
    });
    return test;
  }

  /** Sends `prompt` to a new thread of `agent`, recording the thread from before the turn. */
  async function converse(server: TestServer, prompt: string, agent = "plain") {
    const { thread } = await server.threads.createThread({ agent });
    const threadId = thread?.threadId ?? "";
    const recording = await recordWatch(server.streams, threadId);
    recordings.push(recording);
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: prompt } });
    return { threadId, events: recording.events, recording };
  }

  it("B24 streams a multi-chunk answer intact and records usage on the message and the thread", async () => {
    const server = await start();
    fake.plan(
      {
        stream: ["Hel", "lo, ", "wor", "ld!"],
        usage: {
          prompt_tokens: 12,
          completion_tokens: 7,
          prompt_tokens_details: { cached_tokens: 4 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      },
      { stream: ["Second ", "answer."], usage: { prompt_tokens: 30, completion_tokens: 3 } },
    );
    const { threadId, recording } = await converse(server, "hi");
    const first = await waitForThread(server.streams, threadId, isIdle);
    expect(first.status).toBe(ThreadStatus.COMPLETED);
    // Watchers got the four SSE chunks' text whole, in order.
    await recording.until(
      (seen) => streamedText(deltaEvents(seen)) === "Hello, world!",
      "the streamed answer",
      2_000,
    );
    await server.threads.sendMessage({ threadId, content: { case: "prompt", value: "again" } });
    const done = await waitForThread(
      server.streams,
      threadId,
      (thread) => isIdle(thread) && thread.seq === 2n,
    );
    expect(done.status).toBe(ThreadStatus.COMPLETED);

    expect(outline(await listAllMessages(server.threads, threadId))).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:Hello, world!"],
      ["user", "text:again"],
      ["assistant", "text:Second answer."],
    ]);
    // The provider was called as the OpenAI API expects: streamed, usage asked for, the
    // conversation so far in order.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.body).toMatchObject({
      model: "gpt-test",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "Hello, world!" },
        { role: "user", content: "again" },
      ],
    });

    const { messages } = await server.threads.listMessages({ threadId });
    const usageOf = (usage: Usage | undefined) => ({
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
      totalTokens: usage?.totalTokens,
      reasoningTokens: usage?.reasoningTokens,
      cachedInputTokens: usage?.cachedInputTokens,
    });
    expect(messages.map((message) => usageOf(message.usage))).toEqual([
      usageOf(undefined),
      {
        inputTokens: 12n,
        outputTokens: 7n,
        totalTokens: 19n,
        reasoningTokens: 2n,
        cachedInputTokens: 4n,
      },
      usageOf(undefined),
      {
        inputTokens: 30n,
        outputTokens: 3n,
        totalTokens: 33n,
        reasoningTokens: 0n,
        cachedInputTokens: 0n,
      },
    ]);
    const { thread } = await server.threads.getThread({ threadId });
    expect(usageOf(thread?.usage)).toEqual({
      inputTokens: 42n,
      outputTokens: 10n,
      totalTokens: 52n,
      reasoningTokens: 2n,
      cachedInputTokens: 4n,
    });
  });

  it("B6 B15 B7 runs a tool call streamed in delta.tool_calls and sends its result back", async () => {
    const server = await start();
    fake.plan(
      {
        stream: [],
        toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"location":"Oslo"}' }],
        usage: { prompt_tokens: 20, completion_tokens: 5 },
      },
      { stream: ["Sunny, ", "22°C."], usage: { prompt_tokens: 40, completion_tokens: 4 } },
    );
    const { threadId } = await converse(server, "weather?", "tooled");
    const done = await waitForThread(server.streams, threadId, isIdle);

    expect(done.status).toBe(ThreadStatus.COMPLETED);
    const messages = await listAllMessages(server.threads, threadId);
    expect(outline(messages)).toEqual([
      ["user", "text:weather?"],
      ["assistant", "tool-get_weather:output-available", "text:Sunny, 22°C."],
    ]);
    expect(messages[1]?.parts.find((part) => part.type === "tool-get_weather")).toMatchObject({
      toolCallId: "call_1",
      input: { location: "Oslo" },
      output: { weather: "sunny", temperature: 22 },
    });
    // The first request offered the tool; the second carried the call and its result.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]?.body).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather" } }],
    });
    expect(fake.requests[1]?.body).toMatchObject({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Oslo"}' },
            },
          ],
        },
        {
          role: "tool",
          tool_call_id: "call_1",
          content: JSON.stringify({ weather: "sunny", temperature: 22 }),
        },
      ],
    });
    // B24: both model responses of the loop count.
    expect(done.usage).toMatchObject({ inputTokens: 60n, outputTokens: 9n, totalTokens: 69n });
  });
});
