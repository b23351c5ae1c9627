// An instant model for the benchmarks: a real AI SDK LanguageModelV3 that answers the first step
// of a turn with a call of the `noop` tool and, once the prompt ends with that tool's result, with
// a text answer of ANSWER_DELTA_COUNT deltas. No timers: each part is handed over when the reader
// pulls it (simulateReadableStream's default delays schedule a timer per chunk, PERF-NOTES), so
// what is measured is the code. A ToolHopClock sees when the tool call is emitted and when the
// turn after its result starts: the durable tool hop, timed where it happens.
import { performance } from "node:perf_hooks";
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";

/** The tool the instant model calls. */
export const NOOP_TOOL_NAME = "noop";
/** How many text deltas the answer has. */
export const ANSWER_DELTA_COUNT = 50;

const answerDeltas = Array.from({ length: ANSWER_DELTA_COUNT }, (_, index) => `word${index} `);
/** The whole answer, as a committed assistant message holds it. */
export const ANSWER_TEXT = answerDeltas.join("");

export const usage: LanguageModelV3Usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: ANSWER_DELTA_COUNT, text: ANSWER_DELTA_COUNT, reasoning: undefined },
};

/** Where the instant model reports the two ends of each durable tool hop (performance.now()). */
export interface ToolHopClock {
  /** The `tool-call` part of `toolCallId` was handed to the reader. */
  toolCallEmitted(toolCallId: string, atMs: number): void;
  /** A model call started whose prompt ends with the result of `toolCallId`. */
  nextTurnStarted(toolCallId: string, atMs: number): void;
}

/** The id of the tool call whose result ends the prompt, or undefined on a first step. */
function resultToolCallId(call: LanguageModelV3CallOptions): string | undefined {
  const last = call.prompt.at(-1);
  if (last?.role !== "tool") return undefined;
  const result = last.content.find((part) => part.type === "tool-result");
  return result?.toolCallId;
}

function toolCallParts(toolCallId: string): LanguageModelV3StreamPart[] {
  const input = "{}";
  return [
    { type: "stream-start", warnings: [] },
    { type: "tool-input-start", id: toolCallId, toolName: NOOP_TOOL_NAME },
    { type: "tool-input-delta", id: toolCallId, delta: input },
    { type: "tool-input-end", id: toolCallId },
    { type: "tool-call", toolCallId, toolName: NOOP_TOOL_NAME, input },
    { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage },
  ];
}

function answerParts(): LanguageModelV3StreamPart[] {
  return [
    { type: "stream-start", warnings: [] },
    { type: "text-start", id: "text_1" },
    ...answerDeltas.map(
      (delta): LanguageModelV3StreamPart => ({ type: "text-delta", id: "text_1", delta }),
    ),
    { type: "text-end", id: "text_1" },
    { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
  ];
}

/** A stream that hands over one part per pull, telling `onPart` the moment it does. */
function pulledStream(
  parts: readonly LanguageModelV3StreamPart[],
  onPart: (part: LanguageModelV3StreamPart) => void,
): ReadableStream<LanguageModelV3StreamPart> {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const part = parts[index++];
      if (part === undefined) {
        controller.close();
        return;
      }
      onPart(part);
      controller.enqueue(part);
    },
  });
}

/** Tool call ids are unique in the process, so models can share one ToolHopClock. */
let toolCallCount = 0;

/** Creates the instant model. */
export function createInstantToolLoopModel(clock?: ToolHopClock): LanguageModelV3 {
  return {
    specificationVersion: "v3",
    provider: "bench",
    modelId: "instant-tool-loop",
    supportedUrls: {},
    async doGenerate() {
      throw new Error("the instant bench model only streams");
    },
    async doStream(call) {
      const startedAt = performance.now();
      const answered = resultToolCallId(call);
      if (answered !== undefined) {
        clock?.nextTurnStarted(answered, startedAt);
        return { stream: pulledStream(answerParts(), () => {}) };
      }
      toolCallCount += 1;
      const toolCallId = `call_${toolCallCount}`;
      const stream = pulledStream(toolCallParts(toolCallId), (part) => {
        if (part.type === "tool-call") clock?.toolCallEmitted(toolCallId, performance.now());
      });
      return { stream };
    },
  };
}

/** A ToolHopClock that keeps every completed hop's duration, in the order they completed. */
export interface ToolHopRecorder extends ToolHopClock {
  /** The hops completed since the last call, in ms; forgets them. */
  take(): number[];
}

export function createToolHopRecorder(): ToolHopRecorder {
  const emittedAt = new Map<string, number>();
  let hops: number[] = [];
  return {
    toolCallEmitted(toolCallId, atMs) {
      emittedAt.set(toolCallId, atMs);
    },
    nextTurnStarted(toolCallId, atMs) {
      const start = emittedAt.get(toolCallId);
      // A turn retried after its tool result (B9) is not a second hop.
      if (start === undefined) return;
      emittedAt.delete(toolCallId);
      hops.push(atMs - start);
    },
    take() {
      const taken = hops;
      hops = [];
      return taken;
    },
  };
}
