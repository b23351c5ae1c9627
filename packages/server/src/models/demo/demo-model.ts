// `demo:echo` (DESIGN §8): a real AI SDK language model, offline and deterministic, so the server
// runs out of the box and tests and benchmarks need no provider.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from "@ai-sdk/provider";
import { type DemoReply, planDemoReply } from "./demo-reply.js";
import { demoUsage } from "./demo-usage.js";
import { createAbortError, createPacedStream } from "./paced-stream.js";

/** Name of the built-in demo provider. */
export const DEMO_PROVIDER_NAME = "demo";
/** Id of the demo provider's only model. */
export const DEMO_MODEL_ID = "echo";
/** Pause between streamed text deltas when none is configured, in ms ("a few ms apart", §8). */
export const DEFAULT_DEMO_CHUNK_DELAY_MS = 5;

/** Options of the demo model. */
export interface DemoModelOptions {
  /**
   * Pause between streamed text deltas, in ms. 0 streams without any timer (tests, benchmarks).
   * @default 5
   */
  chunkDelayMs?: number;
}

const TEXT_PART_ID = "text_1";
const STOP: LanguageModelV3FinishReason = { unified: "stop", raw: "stop" };
const TOOL_CALLS: LanguageModelV3FinishReason = { unified: "tool-calls", raw: "tool_calls" };

/** Creates the `demo:echo` language model. */
export function createDemoModel(options: DemoModelOptions = {}): LanguageModelV3 {
  const chunkDelayMs = options.chunkDelayMs ?? DEFAULT_DEMO_CHUNK_DELAY_MS;
  if (!Number.isFinite(chunkDelayMs) || chunkDelayMs < 0) {
    throw new RangeError(`chunkDelayMs must be a finite number of at least 0, got ${chunkDelayMs}`);
  }
  return {
    specificationVersion: "v3",
    provider: DEMO_PROVIDER_NAME,
    modelId: DEMO_MODEL_ID,
    supportedUrls: {},
    doGenerate: async (call) => generate(call),
    doStream: async (call) => stream(call, chunkDelayMs),
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw createAbortError(signal);
}

function generate(call: LanguageModelV3CallOptions): LanguageModelV3GenerateResult {
  throwIfAborted(call.abortSignal);
  const reply = planDemoReply(call);
  const content: LanguageModelV3Content =
    reply.type === "text"
      ? { type: "text", text: reply.text }
      : {
          type: "tool-call",
          toolCallId: reply.toolCallId,
          toolName: reply.toolName,
          input: JSON.stringify(reply.input),
        };
  return {
    content: [content],
    finishReason: reply.type === "text" ? STOP : TOOL_CALLS,
    usage: demoUsage(call.prompt, generatedText(reply)),
    warnings: [],
  };
}

function stream(
  call: LanguageModelV3CallOptions,
  chunkDelayMs: number,
): LanguageModelV3StreamResult {
  throwIfAborted(call.abortSignal);
  const reply = planDemoReply(call);
  const parts: LanguageModelV3StreamPart[] = [
    { type: "stream-start", warnings: [] },
    ...(reply.type === "text" ? textParts(reply.text) : toolCallParts(reply)),
    {
      type: "finish",
      finishReason: reply.type === "text" ? STOP : TOOL_CALLS,
      usage: demoUsage(call.prompt, generatedText(reply)),
    },
  ];
  return { stream: createPacedStream(parts, { chunkDelayMs, abortSignal: call.abortSignal }) };
}

/** What the model "wrote": the answer's text, or the tool call's JSON input. */
function generatedText(reply: DemoReply): string {
  return reply.type === "text" ? reply.text : JSON.stringify(reply.input);
}

/**
 * Splits text into word-sized deltas (each word with the spaces after it), so a reply arrives
 * as several deltas like a real model's; the deltas join back to exactly the text.
 */
export function splitIntoDeltas(text: string): string[] {
  return text.match(/\s+|\S+\s*/gu) ?? [];
}

function textParts(text: string): LanguageModelV3StreamPart[] {
  return [
    { type: "text-start", id: TEXT_PART_ID },
    ...splitIntoDeltas(text).map(
      (delta): LanguageModelV3StreamPart => ({ type: "text-delta", id: TEXT_PART_ID, delta }),
    ),
    { type: "text-end", id: TEXT_PART_ID },
  ];
}

function toolCallParts(
  reply: Extract<DemoReply, { type: "tool-call" }>,
): LanguageModelV3StreamPart[] {
  const input = JSON.stringify(reply.input);
  return [
    { type: "tool-input-start", id: reply.toolCallId, toolName: reply.toolName },
    { type: "tool-input-delta", id: reply.toolCallId, delta: input },
    { type: "tool-input-end", id: reply.toolCallId },
    { type: "tool-call", toolCallId: reply.toolCallId, toolName: reply.toolName, input },
  ];
}
