// A language model whose replies a test writes, for behaviour the demo model cannot show (a tool of
// the test's own, a turn held open until the test lets it finish). It is a real AI SDK model: the
// server streams from it exactly as from a provider; only the words are the test's.
import type { ProgrammaticAgent } from "@durable-agents/server";

/** A live AI SDK model, as a programmatic agent carries it (DESIGN §5). */
export type LiveModel = Exclude<ProgrammaticAgent["model"], string>;
export type ModelCallOptions = Parameters<LiveModel["doStream"]>[0];
type StreamResult = Awaited<ReturnType<LiveModel["doStream"]>>;
export type ModelStreamPart =
  StreamResult["stream"] extends ReadableStream<infer Part> ? Part : never;

/** One model response: its content parts, then (after `holdUntil`) its finish. */
export interface ScriptedReply {
  parts: ModelStreamPart[];
  /** The response waits for this before it finishes, so a test can act while the turn streams. */
  holdUntil?: Promise<unknown>;
  /** @default "stop", or "tool-calls" when the parts hold a tool call */
  finishReason?: "stop" | "tool-calls";
  /**
   * Like a provider slow to notice an abort: the response ignores the call's abort signal until
   * this settles, then ends as aborted (or finishes, when it was not aborted).
   */
  ignoreAbortUntil?: Promise<unknown>;
}

export interface ScriptedModel {
  model: LiveModel;
  /** The options of every call the server made, in order. */
  readonly calls: ModelCallOptions[];
}

export function textReply(text: string): ScriptedReply {
  return {
    parts: [
      { type: "text-start", id: "t1" },
      { type: "text-delta", id: "t1", delta: text },
      { type: "text-end", id: "t1" },
    ],
  };
}

export function toolCallReply(
  toolCallId: string,
  toolName: string,
  input: Record<string, unknown>,
  holdUntil?: Promise<unknown>,
): ScriptedReply {
  return {
    parts: [{ type: "tool-call", toolCallId, toolName, input: JSON.stringify(input) }],
    ...(holdUntil === undefined ? {} : { holdUntil }),
    finishReason: "tool-calls",
  };
}

/** The text of the last user message the model was given; "" when there is none. */
export function lastUserText(call: ModelCallOptions): string {
  const last = call.prompt.findLast((message) => message.role === "user");
  if (last?.role !== "user") return "";
  return last.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}

/** The tool results the model was given, as "<tool call id>: <output>" lines. */
export function toolResultsSeen(call: ModelCallOptions): string[] {
  return call.prompt.flatMap((message) =>
    message.role === "tool"
      ? message.content.flatMap((part) =>
          part.type === "tool-result" ? [`${part.toolCallId}: ${JSON.stringify(part.output)}`] : [],
        )
      : [],
  );
}

function abortError(signal: AbortSignal): Error {
  const error = new Error("The scripted model call was aborted", { cause: signal.reason });
  error.name = "AbortError";
  return error;
}

/** `reply(index, call)` answers the index-th call (from 0). */
export function createScriptedModel(
  reply: (index: number, call: ModelCallOptions) => ScriptedReply,
): ScriptedModel {
  const calls: ModelCallOptions[] = [];
  const model: LiveModel = {
    specificationVersion: "v3",
    provider: "scripted",
    modelId: "script",
    supportedUrls: {},
    doGenerate: async () => {
      throw new Error("the scripted model only streams");
    },
    doStream: async (call) => {
      const index = calls.length;
      calls.push(call);
      const scripted = reply(index, call);
      const signal = call.abortSignal;
      const hasToolCall = scripted.parts.some((part) => part.type === "tool-call");
      const finishReason = scripted.finishReason ?? (hasToolCall ? "tool-calls" : "stop");
      const stream = new ReadableStream<ModelStreamPart>({
        async start(controller) {
          const onAbort = () => {
            if (signal !== undefined) controller.error(abortError(signal));
          };
          controller.enqueue({ type: "stream-start", warnings: [] });
          for (const part of scripted.parts) controller.enqueue(part);
          if (scripted.ignoreAbortUntil !== undefined) await scripted.ignoreAbortUntil;
          if (signal?.aborted) return onAbort();
          signal?.addEventListener("abort", onAbort, { once: true });
          if (scripted.holdUntil !== undefined) {
            const aborted = new Promise<void>((resolve) => {
              signal?.addEventListener("abort", () => resolve(), { once: true });
            });
            await Promise.race([scripted.holdUntil, aborted]);
          }
          if (signal?.aborted) return;
          signal?.removeEventListener("abort", onAbort);
          controller.enqueue({
            type: "finish",
            finishReason: { unified: finishReason, raw: finishReason },
            usage: {
              inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
              outputTokens: { total: 1, text: 1, reasoning: 0 },
            },
          });
          controller.close();
        },
      });
      return { stream };
    },
  };
  return { model, calls };
}

/** A promise the test resolves by hand, e.g. to let a held turn finish. */
export function createGate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
