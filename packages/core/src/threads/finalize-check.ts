import type { ThreadSnapshot } from "./thread-snapshot.js";

/** The turn asking to finalize: its stream and the seq that stream had when the turn took it. */
export interface FinalizeRequest {
  streamId: string;
  expectedSeq: number;
}

/**
 * Whether a turn may finalize (B8):
 * - `finalize`: clear the active stream and the continue flag, then continue the thread (B2) when
 *   `continueAfter` (the continue flag was set while the turn ran);
 * - `stale`: a newer turn replaced this one; ignore the finalize, log it and count it
 *   ({@link recordStaleFinalizer}).
 */
export type FinalizeCheck =
  | { kind: "finalize"; continueAfter: boolean }
  | { kind: "stale"; reason: "not_active_stream" | "seq_mismatch" };

export function checkFinalize(
  thread: Pick<ThreadSnapshot, "activeStream" | "continueFlag">,
  request: FinalizeRequest,
): FinalizeCheck {
  const active = thread.activeStream;
  if (active === undefined || active.id !== request.streamId) {
    return { kind: "stale", reason: "not_active_stream" };
  }
  if (active.seq !== request.expectedSeq) {
    return { kind: "stale", reason: "seq_mismatch" };
  }
  return { kind: "finalize", continueAfter: thread.continueFlag };
}
