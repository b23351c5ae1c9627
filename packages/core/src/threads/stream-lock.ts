import { abortOpenStreams } from "./stream-aborts.js";
import type { StreamAbort, StreamSnapshot } from "./thread-snapshot.js";

/** Input of {@link decideStreamLock} and {@link checkStreamWrite}. */
export interface StreamOwnershipInput {
  /** The stream the turn runs on. */
  stream: StreamSnapshot;
  /** The thread's active stream id; `undefined` when the thread has none. */
  activeStreamId: string | undefined;
  /** The lock id of the turn asking. */
  lockId: string;
}

/**
 * What a turn taking its stream does (B3):
 * - `take`: set the stream streaming with the turn's lock id and heartbeat now (a turn that already
 *   holds the lock, e.g. a retried take, just refreshes its heartbeat);
 * - `end_quietly`: the stream is no longer the thread's active stream; abort it (if still open) and
 *   end the turn without error, a newer turn owns the thread;
 * - `refuse`: another turn holds the lock, or the stream has already ended.
 */
export type StreamLockDecision =
  | { kind: "take" }
  | { kind: "end_quietly"; abortStreams: StreamAbort[] }
  | { kind: "refuse"; reason: "locked_by_other" | "stream_ended" };

export function decideStreamLock(input: StreamOwnershipInput): StreamLockDecision {
  const { stream } = input;
  if (stream.id !== input.activeStreamId) {
    return { kind: "end_quietly", abortStreams: abortOpenStreams([stream], "inactive") };
  }
  switch (stream.status) {
    case "pending":
      return { kind: "take" };
    case "streaming":
      return stream.lockId === input.lockId
        ? { kind: "take" }
        : { kind: "refuse", reason: "locked_by_other" };
    case "finished":
    case "aborted":
      return { kind: "refuse", reason: "stream_ended" };
  }
}

/**
 * Whether a turn may write to its stream (a delta, a heartbeat, its finalize) (B3, §4): only the
 * lock holder of a streaming stream that is still its thread's active stream. A holder whose stream
 * was replaced aborts it, so a stale turn stops as soon as it next writes.
 */
export type StreamWriteCheck =
  | { kind: "allow" }
  | {
      kind: "refuse";
      reason: "not_streaming" | "locked_by_other" | "inactive";
      abortStreams: StreamAbort[];
    };

export function checkStreamWrite(input: StreamOwnershipInput): StreamWriteCheck {
  const { stream } = input;
  if (stream.status !== "streaming") {
    return { kind: "refuse", reason: "not_streaming", abortStreams: [] };
  }
  // The other lock holder is the owner; its stream must not be aborted by an intruder.
  if (stream.lockId !== input.lockId) {
    return { kind: "refuse", reason: "locked_by_other", abortStreams: [] };
  }
  if (stream.id !== input.activeStreamId) {
    return {
      kind: "refuse",
      reason: "inactive",
      abortStreams: abortOpenStreams([stream], "inactive"),
    };
  }
  return { kind: "allow" };
}
