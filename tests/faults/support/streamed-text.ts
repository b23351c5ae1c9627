// Waiting until a turn has streamed some of its text, so a test can SIGKILL the server with the
// answer half-written. The wait reads StreamUpdates (stored deltas, then live ones) and ends on
// the first delta that holds text, or fails at its deadline.
import type { Client } from "@connectrpc/connect";
import type { StreamService } from "@durable-agents/core/proto";

export interface StreamedText {
  /** The seq of the stream the text belongs to. */
  streamSeq: bigint;
  /** The text of that first delta. */
  text: string;
}

/**
 * The first text delta of the thread's streams whose seq is at least `fromSeq` (0: any), e.g.
 * past the streams of a turn that an earlier kill aborted.
 */
export async function waitForStreamedText(
  streams: Client<typeof StreamService>,
  threadId: string,
  options: { fromSeq?: bigint; timeoutMs?: number } = {},
): Promise<StreamedText> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const done = new AbortController();
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    for await (const response of streams.streamUpdates(
      { threadId, fromSeq: options.fromSeq ?? 0n },
      { signal: AbortSignal.any([done.signal, deadline]) },
    )) {
      if (response.update.case !== "delta") continue;
      const delta = response.update.value;
      const text = delta.chunks
        .flatMap((chunk) => (chunk.chunk.case === "textDelta" ? [chunk.chunk.value.delta] : []))
        .join("");
      if (text !== "") return { streamSeq: delta.streamSeq, text };
    }
  } catch (error: unknown) {
    if (!deadline.aborted) throw error;
  } finally {
    done.abort();
  }
  throw new Error(`thread ${threadId} streamed no text within ${timeoutMs} ms`);
}
