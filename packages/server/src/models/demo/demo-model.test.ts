import type { LanguageModelV3Prompt, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { getWeatherResult, getWeatherTool, requestApprovalTool } from "@durable-agents/tool-runner";
import {
  convertToModelMessages,
  generateText,
  type ModelMessage,
  readUIMessageStream,
  stepCountIs,
  streamText,
  tool,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createDemoModel,
  DEMO_MODEL_ID,
  DEMO_PROVIDER_NAME,
  splitIntoDeltas,
} from "./demo-model.js";

const model = createDemoModel({ chunkDelayMs: 0 });

/** The demo tools as the engine offers them: no `execute`, runners execute them. */
const tools = {
  get_weather: tool({ description: getWeatherTool.description, inputSchema: getWeatherTool.args }),
  request_approval: tool({
    description: requestApprovalTool.description,
    inputSchema: requestApprovalTool.args,
  }),
};

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const reader = stream.getReader();
  const items: T[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return items;
    items.push(value);
  }
}

async function lastUIMessage(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage> {
  const messages = await collect(readUIMessageStream({ stream }));
  const last = messages.at(-1);
  if (last === undefined) throw new Error("the UI message stream produced no message");
  return last;
}

function userPrompt(text: string): LanguageModelV3Prompt {
  return [{ role: "user", content: [{ type: "text", text }] }];
}

const functionTools = [
  { type: "function" as const, name: "get_weather", inputSchema: getWeatherTool.inputJsonSchema },
  {
    type: "function" as const,
    name: "request_approval",
    inputSchema: requestApprovalTool.inputJsonSchema,
  },
];

afterEach(() => {
  vi.useRealTimers();
});

describe("demo:echo identity", () => {
  it("is a v3 model of provider demo with id echo", () => {
    expect(model.specificationVersion).toBe("v3");
    expect(model.provider).toBe(DEMO_PROVIDER_NAME);
    expect(model.modelId).toBe(DEMO_MODEL_ID);
  });

  it("rejects a negative chunk delay", () => {
    expect(() => createDemoModel({ chunkDelayMs: -1 })).toThrow(
      "chunkDelayMs must be a finite number of at least 0, got -1",
    );
  });
});

describe("echo through streamText", () => {
  it("streams 'You said: <the message>' as several deltas", async () => {
    const result = streamText({
      model,
      tools,
      messages: [{ role: "user", content: "hello there, demo" }],
    });
    expect(await collect(result.textStream)).toEqual([
      "You ",
      "said: ",
      "hello ",
      "there, ",
      "demo",
    ]);
    expect(await result.text).toBe("You said: hello there, demo");
    expect(await result.finishReason).toBe("stop");
    expect(await result.toolCalls).toEqual([]);
  });

  it("reports characters / 4 rounded up as usage", async () => {
    const result = streamText({
      model,
      system: "Be brief.",
      messages: [{ role: "user", content: "hello there, demo" }],
    });
    const usage = await result.usage;
    // input "Be brief." + "hello there, demo" = 26 characters → 7; output 27 characters → 7
    expect(usage.inputTokens).toBe(7);
    expect(usage.outputTokens).toBe(7);
    expect(usage.totalTokens).toBe(14);
    expect(usage.reasoningTokens).toBe(0);
    expect(usage.cachedInputTokens).toBe(0);
  });

  it("produces the expected UI message stream", async () => {
    const result = streamText({ model, tools, messages: [{ role: "user", content: "hi" }] });
    const chunks = await collect(result.toUIMessageStream());
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-delta",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    const deltas = chunks.flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []));
    expect(deltas.join("")).toBe("You said: hi");
  });

  it("echoes the last user message even when earlier turns exist", async () => {
    const result = streamText({
      model,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "You said: first" },
        { role: "user", content: "second" },
      ],
    });
    expect(await result.text).toBe("You said: second");
  });

  it("echoes a weather question when no tools are offered", async () => {
    const result = streamText({ model, messages: [{ role: "user", content: "weather in Oslo" }] });
    expect(await result.text).toBe("You said: weather in Oslo");
  });

  it("echoes a weather question when the tool choice is none", async () => {
    const result = streamText({
      model,
      tools,
      toolChoice: "none",
      messages: [{ role: "user", content: "weather in Oslo" }],
    });
    expect(await result.text).toBe("You said: weather in Oslo");
  });
});

describe("get_weather through streamText", () => {
  const question = "What's the weather in New York?";

  it("calls get_weather with the city and finishes with tool-calls", async () => {
    const result = streamText({ model, tools, messages: [{ role: "user", content: question }] });
    expect(await result.toolCalls).toMatchObject([
      { toolCallId: "demo_call_1", toolName: "get_weather", input: { location: "New York" } },
    ]);
    expect(await result.finishReason).toBe("tool-calls");
    expect(await result.text).toBe("");
    // input: 31 characters → 8; output {"location":"New York"} 23 characters → 6
    const usage = await result.usage;
    expect([usage.inputTokens, usage.outputTokens]).toEqual([8, 6]);
  });

  it("answers the tool result in a second step", async () => {
    const messages: ModelMessage[] = [{ role: "user", content: question }];
    const first = streamText({ model, tools, messages });
    const [call] = await first.toolCalls;
    if (call === undefined) throw new Error("expected a tool call");
    messages.push(...(await first.response).messages, {
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: { type: "json", value: { ...getWeatherResult({ location: "New York" }) } },
        },
      ],
    });
    const second = streamText({ model, tools, messages });
    expect(await second.text).toBe("The weather in New York is sunny, 22°C.");
    expect(await second.finishReason).toBe("stop");
  });

  it("runs the whole tool loop with an executing tool", async () => {
    const result = streamText({
      model,
      tools: { ...tools, get_weather: tool({ ...tools.get_weather, execute: getWeatherResult }) },
      stopWhen: stepCountIs(3),
      messages: [{ role: "user", content: "weather in Oslo please" }],
    });
    const message = await lastUIMessage(result.toUIMessageStream());
    expect(message.parts).toMatchObject([
      { type: "step-start" },
      {
        type: "tool-get_weather",
        toolCallId: "demo_call_1",
        state: "output-available",
        input: { location: "Oslo" },
        output: { weather: "sunny", temperature: 22 },
      },
      { type: "step-start" },
      { type: "text", text: "The weather in Oslo is sunny, 22°C.", state: "done" },
    ]);
    expect((await result.steps).length).toBe(2);
  });

  it("numbers tool calls by their position in the thread", async () => {
    const result = streamText({
      model,
      tools,
      messages: [
        { role: "user", content: "weather in Oslo" },
        {
          role: "assistant",
          content: [
            {
              type: "tool-call",
              toolCallId: "demo_call_1",
              toolName: "get_weather",
              input: { location: "Oslo" },
            },
          ],
        },
        {
          role: "tool",
          content: [
            {
              type: "tool-result",
              toolCallId: "demo_call_1",
              toolName: "get_weather",
              output: { type: "json", value: { weather: "sunny", temperature: 22 } },
            },
          ],
        },
        { role: "assistant", content: "The weather in Oslo is sunny, 22°C." },
        { role: "user", content: "and the weather in Bergen?" },
      ],
    });
    expect(await result.toolCalls).toMatchObject([
      { toolCallId: "demo_call_2", input: { location: "Bergen" } },
    ]);
  });

  it("reports a failed weather lookup", async () => {
    const messages = await convertToModelMessages([
      { role: "user", parts: [{ type: "text", text: "weather in Oslo" }] },
      {
        role: "assistant",
        parts: [
          {
            type: "tool-get_weather",
            toolCallId: "demo_call_1",
            state: "output-error",
            input: { location: "Oslo" },
            errorText: "service down",
          },
        ],
      },
    ]);
    const result = streamText({ model, tools, messages });
    expect(await result.text).toBe("Could not get the weather in Oslo: service down");
  });
});

describe("request_approval through streamText", () => {
  const request = "Please approve my vacation";

  async function approvalConversation(part: UIMessage["parts"][number]): Promise<ModelMessage[]> {
    return convertToModelMessages([
      { role: "user", parts: [{ type: "text", text: request }] },
      { role: "assistant", parts: [part] },
    ]);
  }

  it("calls request_approval with the whole message", async () => {
    const result = streamText({ model, tools, messages: [{ role: "user", content: request }] });
    expect(await result.toolCalls).toMatchObject([
      { toolCallId: "demo_call_1", toolName: "request_approval", input: { request } },
    ]);
    expect(await result.finishReason).toBe("tool-calls");
  });

  it("answers an approval result with its JSON", async () => {
    const messages = await approvalConversation({
      type: "tool-request_approval",
      toolCallId: "demo_call_1",
      state: "output-available",
      input: { request },
      output: { approved: true, by: "alice" },
    });
    const result = streamText({ model, tools, messages });
    expect(await result.text).toBe('Approval result: {"approved":true,"by":"alice"}');
  });

  it("answers a string approval result with its JSON", async () => {
    const messages = await approvalConversation({
      type: "tool-request_approval",
      toolCallId: "demo_call_1",
      state: "output-available",
      input: { request },
      output: "yes",
    });
    const result = streamText({ model, tools, messages });
    expect(await result.text).toBe('Approval result: "yes"');
  });

  it("answers an approval error with its text", async () => {
    const messages = await approvalConversation({
      type: "tool-request_approval",
      toolCallId: "demo_call_1",
      state: "output-error",
      input: { request },
      errorText: "manager said no",
    });
    const result = streamText({ model, tools, messages });
    expect(await result.text).toBe("Approval failed: manager said no");
    expect(await result.finishReason).toBe("stop");
  });

  it("prefers the weather tool when a message has both", async () => {
    const result = streamText({
      model,
      tools,
      messages: [{ role: "user", content: "approve a trip if the weather in Rome is good" }],
    });
    expect(await result.toolCalls).toMatchObject([
      { toolName: "get_weather", input: { location: "Rome" } },
    ]);
  });
});

describe("doGenerate", () => {
  it("answers like the stream, in one piece", async () => {
    const result = await generateText({ model, prompt: "hello" });
    expect(result.text).toBe("You said: hello");
    expect(result.finishReason).toBe("stop");
    expect([result.usage.inputTokens, result.usage.outputTokens]).toEqual([2, 4]);
  });

  it("returns a tool call with tool-calls as the finish reason", async () => {
    const result = await generateText({ model, tools, prompt: "weather in Oslo" });
    expect(result.toolCalls).toMatchObject([
      { toolCallId: "demo_call_1", toolName: "get_weather", input: { location: "Oslo" } },
    ]);
    expect(result.finishReason).toBe("tool-calls");
  });

  it("rejects with an AbortError when the signal already fired", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      model.doGenerate({ prompt: userPrompt("hi"), abortSignal: controller.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("doStream parts", () => {
  it("streams a text answer as start, deltas, end and finish", async () => {
    const { stream } = await model.doStream({ prompt: userPrompt("hi you") });
    expect(await readAll(stream)).toEqual([
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "text_1" },
      { type: "text-delta", id: "text_1", delta: "You " },
      { type: "text-delta", id: "text_1", delta: "said: " },
      { type: "text-delta", id: "text_1", delta: "hi " },
      { type: "text-delta", id: "text_1", delta: "you" },
      { type: "text-end", id: "text_1" },
      {
        type: "finish",
        finishReason: { unified: "stop", raw: "stop" },
        usage: {
          inputTokens: { total: 2, noCache: 2, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 4, text: 4, reasoning: 0 },
        },
      },
    ] satisfies LanguageModelV3StreamPart[]);
  });

  it("streams a tool call with its input deltas", async () => {
    const { stream } = await model.doStream({
      prompt: userPrompt("weather in Oslo"),
      tools: functionTools,
    });
    const parts = await readAll(stream);
    expect(parts.slice(1, -1)).toEqual([
      { type: "tool-input-start", id: "demo_call_1", toolName: "get_weather" },
      { type: "tool-input-delta", id: "demo_call_1", delta: '{"location":"Oslo"}' },
      { type: "tool-input-end", id: "demo_call_1" },
      {
        type: "tool-call",
        toolCallId: "demo_call_1",
        toolName: "get_weather",
        input: '{"location":"Oslo"}',
      },
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: { unified: "tool-calls", raw: "tool_calls" },
    });
  });
});

describe("pacing and abort", () => {
  it("sets no timer at all when the chunk delay is 0", async () => {
    vi.useFakeTimers();
    const { stream } = await model.doStream({ prompt: userPrompt("one two three four") });
    const parts = await readAll(stream);
    expect(parts.filter((part) => part.type === "text-delta")).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("pauses the configured delay between text deltas", async () => {
    vi.useFakeTimers();
    const paced = createDemoModel({ chunkDelayMs: 5 });
    const { stream } = await paced.doStream({ prompt: userPrompt("a b") });
    const reader = stream.getReader();
    for (const type of ["stream-start", "text-start", "text-delta"]) {
      expect((await reader.read()).value?.type).toBe(type);
    }
    const next = reader.read();
    await vi.advanceTimersByTimeAsync(4);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await next).value).toEqual({ type: "text-delta", id: "text_1", delta: "said: " });
    reader.releaseLock();
  });

  it("defaults to a few ms between deltas", async () => {
    vi.useFakeTimers();
    const { stream } = await createDemoModel().doStream({ prompt: userPrompt("a") });
    const reader = stream.getReader();
    for (let read = 0; read < 3; read++) await reader.read();
    const next = reader.read();
    await vi.advanceTimersByTimeAsync(5);
    expect((await next).value).toEqual({ type: "text-delta", id: "text_1", delta: "said: " });
    reader.releaseLock();
  });

  it("errors the stream with an AbortError as soon as the signal fires", async () => {
    const slow = createDemoModel({ chunkDelayMs: 60_000 });
    const controller = new AbortController();
    const { stream } = await slow.doStream({
      prompt: userPrompt("a long answer"),
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    for (let read = 0; read < 3; read++) await reader.read();
    const pending = reader.read();
    controller.abort("stopSignal");
    await expect(pending).rejects.toMatchObject({ name: "AbortError", cause: "stopSignal" });
  });

  it("rejects doStream when the signal already fired", async () => {
    await expect(
      model.doStream({ prompt: userPrompt("hi"), abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });

  it("ends streamText with an abort part", async () => {
    const controller = new AbortController();
    const result = streamText({
      model: createDemoModel({ chunkDelayMs: 60_000 }),
      abortSignal: controller.signal,
      messages: [{ role: "user", content: "a long answer" }],
    });
    const seen: string[] = [];
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === "text-delta") controller.abort();
    }
    expect(seen).toContain("abort");
    expect(seen.filter((type) => type === "text-delta")).toEqual(["text-delta"]);
  });

  it("stops when the consumer cancels, leaving no timer behind", async () => {
    vi.useFakeTimers();
    const { stream } = await createDemoModel({ chunkDelayMs: 5 }).doStream({
      prompt: userPrompt("a b c"),
    });
    const reader = stream.getReader();
    for (let read = 0; read < 3; read++) await reader.read();
    const pending = reader.read();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("splitIntoDeltas", () => {
  it.each([
    ["You said: hi", ["You ", "said: ", "hi"]],
    ["  padded  text ", ["  ", "padded  ", "text "]],
    ["", []],
  ])("%j → %j", (text, deltas) => {
    expect(splitIntoDeltas(text)).toEqual(deltas);
    expect(splitIntoDeltas(text).join("")).toBe(text);
  });
});
