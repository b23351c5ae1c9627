// An instant model for the benchmarks: a real AI SDK LanguageModelV3 that answers the first step
// of a turn with a call of the `noop` tool and, once the prompt ends with that tool's result, with
// a text answer of ANSWER_DELTA_COUNT deltas. No timers: simulateReadableStream with null delays
// (its default delays schedule a timer per chunk, PERF-NOTES), so what is measured is the code.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { simulateReadableStream } from "ai";

/** The tool the instant model calls. */
export const NOOP_TOOL_NAME = "noop";
/** How many text deltas the answer has. */
export const ANSWER_DELTA_COUNT = 50;

const answerDeltas = Array.from({ length: ANSWER_DELTA_COUNT }, (_, index) => `word${index} `);
/** The whole answer, as a committed assistant message holds it. */
export const ANSWER_TEXT = answerDeltas.join("");

const usage: LanguageModelV3Usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: ANSWER_DELTA_COUNT, text: ANSWER_DELTA_COUNT, reasoning: undefined },
};

/** True when the model is asked to go on after its tool call: the prompt ends with the result. */
function hasToolResult(call: LanguageModelV3CallOptions): boolean {
  return call.prompt.at(-1)?.role === "tool";
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

/** Creates the instant model; tool call ids are unique per model. */
export function createInstantToolLoopModel(): LanguageModelV3 {
  let callCount = 0;
  return {
    specificationVersion: "v3",
    provider: "bench",
    modelId: "instant-tool-loop",
    supportedUrls: {},
    async doGenerate() {
      throw new Error("the instant bench model only streams");
    },
    async doStream(call) {
      callCount += 1;
      const chunks = hasToolResult(call) ? answerParts() : toolCallParts(`call_${callCount}`);
      return {
        stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }),
      };
    },
  };
}
