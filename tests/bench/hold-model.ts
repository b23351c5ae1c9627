// A model for the memory figure: it streams the start of an answer (ANSWER_DELTA_COUNT text deltas)
// and then holds the stream open until the turn is aborted (StopThread, X2), so a server can be
// measured with many turns in the middle of their answer at once.
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { ANSWER_DELTA_COUNT } from "./instant-model.js";

/** The agent with the hold model, served by bench-server.ts. */
export const HOLD_AGENT = "bench_hold";

/** The last delta a held answer streams; a watcher that saw it saw the whole held part. */
export const LAST_HELD_DELTA = `held${ANSWER_DELTA_COUNT - 1} `;

export function createHoldModel(): LanguageModelV3 {
  return {
    specificationVersion: "v3",
    provider: "bench",
    modelId: "hold",
    supportedUrls: {},
    async doGenerate() {
      throw new Error("the hold bench model only streams");
    },
    async doStream({ abortSignal }) {
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "text_1" });
          for (let index = 0; index < ANSWER_DELTA_COUNT; index++) {
            controller.enqueue({ type: "text-delta", id: "text_1", delta: `held${index} ` });
          }
          abortSignal?.addEventListener("abort", () => controller.error(abortSignal.reason), {
            once: true,
          });
        },
      });
      return { stream };
    },
  };
}
