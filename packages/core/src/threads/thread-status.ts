/** Where a thread is in its agent loop (DESIGN §3 `ThreadStatus`, without the protobuf prefix). */
export type ThreadStatus =
  | "streaming"
  | "awaiting_tool_results"
  | "completed"
  | "failed"
  | "stopped";

/**
 * Lifecycle of one stream (one turn's output): created `pending`, `streaming` once a turn took its
 * lock (B3), then `finished` or `aborted`.
 */
export type StreamStatus = "pending" | "streaming" | "finished" | "aborted";

/** A busy thread is running its loop: a turn is streaming or tool results are awaited. */
export function isBusyStatus(status: ThreadStatus): boolean {
  return status === "streaming" || status === "awaiting_tool_results";
}

/** An idle thread has no loop running and accepts new messages (B1, B12, B14). */
export function isIdleStatus(status: ThreadStatus): boolean {
  return status === "completed" || status === "failed" || status === "stopped";
}

/** An open stream may still be taken or written; finished and aborted streams are final. */
export function isStreamOpen(status: StreamStatus): boolean {
  return status === "pending" || status === "streaming";
}
