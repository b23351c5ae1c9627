// Streams prepared model parts the way a provider does: text deltas a little apart, and an abort
// ends the stream at once with an AbortError (X2 needs a prompt stop).
import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";

/** How the parts of a response are paced. */
export interface PacingOptions {
  /** Pause before each text delta after the first, in ms; 0 sets no timer at all. */
  chunkDelayMs: number;
  /** Ends the stream with an AbortError when it fires. */
  abortSignal?: AbortSignal | undefined;
}

/** The error a demo call fails with when its signal aborts; the reason is kept as `cause`. */
export function createAbortError(signal: AbortSignal): Error {
  const error = new Error("The demo model call was aborted", { cause: signal.reason });
  // The AI SDK and the turn error classifier (B22) recognise aborts by this name.
  error.name = "AbortError";
  return error;
}

/**
 * A readable stream of `parts`, produced on demand (pull), so a consumer that stops reading
 * leaves no work behind, and an abort between parts is seen before the next one.
 */
export function createPacedStream(
  parts: readonly LanguageModelV3StreamPart[],
  { chunkDelayMs, abortSignal }: PacingOptions,
): ReadableStream<LanguageModelV3StreamPart> {
  let nextIndex = 0;
  let hasSentTextDelta = false;
  let cancelPause: (() => void) | undefined;
  let isFinished = false;
  let onAbort: (() => void) | undefined;

  const finish = () => {
    isFinished = true;
    cancelPause?.();
    if (onAbort !== undefined) abortSignal?.removeEventListener("abort", onAbort);
  };

  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      if (abortSignal === undefined) return;
      onAbort = () => {
        finish();
        controller.error(createAbortError(abortSignal));
      };
      abortSignal.addEventListener("abort", onAbort, { once: true });
    },
    async pull(controller) {
      const part = parts[nextIndex];
      if (part === undefined) {
        finish();
        controller.close();
        return;
      }
      if (part.type === "text-delta") {
        if (hasSentTextDelta && chunkDelayMs > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, chunkDelayMs);
            cancelPause = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          cancelPause = undefined;
          if (isFinished) return;
        }
        hasSentTextDelta = true;
      }
      nextIndex++;
      controller.enqueue(part);
    },
    cancel() {
      finish();
    },
  });
}
