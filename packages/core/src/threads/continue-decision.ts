import { planStop, type StopDecision } from "./stop-plan.js";
import { abortOpenStreams } from "./stream-aborts.js";
import { isStreamAlive } from "./stream-liveness.js";
import { STREAM_ALIVE_THRESHOLD_MS } from "./stream-timing.js";
import type { StreamAbort, ThreadSnapshot } from "./thread-snapshot.js";

/** Options of {@link decideContinue}. */
export interface ContinueOptions {
  /**
   * A streaming active stream with a heartbeat younger than this is alive.
   * @default 40_000
   */
  streamAliveThresholdMs?: number;
}

/**
 * What continuing a thread does (B2), decided on a snapshot read in the transaction that applies it:
 * - `stop`: apply the stop signal (see {@link StopDecision});
 * - `noop`: nothing to do, `reason` says why;
 * - `rearm_retry_timer`: a retry is pending and not yet due; re-arm its timer for `retryAt` only;
 * - `set_continue_flag`: the active stream is alive; its turn continues the thread at finalize (B8);
 * - `start_turn`: abort `abortStreams`, create a stream with seq `streamSeq` (also the thread's new
 *   seq), make it active, set status streaming, clear the continue flag, and enqueue the turn.
 */
export type ContinueDecision =
  | StopDecision
  | { kind: "noop"; reason: "thread_stopped" | "tool_calls_pending" }
  | { kind: "rearm_retry_timer"; retryAt: number; delayMs: number }
  | { kind: "set_continue_flag" }
  | { kind: "start_turn"; streamSeq: number; abortStreams: StreamAbort[] };

/** Decides what continuing the thread does now (B2); the checks run in the order B2 lists them. */
export function decideContinue(
  thread: ThreadSnapshot,
  now: number,
  options: ContinueOptions = {},
): ContinueDecision {
  if (thread.stopSignal) {
    return planStop(thread);
  }
  if (thread.status === "stopped") {
    return { kind: "noop", reason: "thread_stopped" };
  }
  // A retry that is due is this continue: the turn it starts is the retry attempt.
  if (thread.retryState !== undefined && thread.retryState.nextRetryAt > now) {
    const retryAt = thread.retryState.nextRetryAt;
    return { kind: "rearm_retry_timer", retryAt, delayMs: retryAt - now };
  }
  // The last tool outcome continues the thread (B19); starting earlier would miss a result.
  if (thread.pendingToolCallCount > 0) {
    return { kind: "noop", reason: "tool_calls_pending" };
  }
  const aliveThresholdMs = options.streamAliveThresholdMs ?? STREAM_ALIVE_THRESHOLD_MS;
  if (isStreamAlive(thread.activeStream, now, aliveThresholdMs)) {
    return { kind: "set_continue_flag" };
  }
  return {
    kind: "start_turn",
    streamSeq: thread.seq + 1,
    abortStreams: [...abortActiveStream(thread), ...abortOtherStreams(thread)],
  };
}

/**
 * The active stream is not alive here: streaming means its turn stopped heartbeating ("expired");
 * pending means its turn never took it and the new stream replaces it ("superseded").
 */
function abortActiveStream(thread: ThreadSnapshot): StreamAbort[] {
  const active = thread.activeStream;
  if (active?.status === "streaming") {
    return [{ streamId: active.id, reason: "expired" }];
  }
  if (active?.status === "pending") {
    return [{ streamId: active.id, reason: "superseded" }];
  }
  return [];
}

/**
 * Any other open stream of the thread is a leftover of an older turn; only the new stream may
 * write. Pending ones are aborted too, so that they end and get cleaned up (B7).
 */
function abortOtherStreams(thread: ThreadSnapshot): StreamAbort[] {
  const others = thread.otherOpenStreams.filter((stream) => stream.id !== thread.activeStream?.id);
  return abortOpenStreams(others, "superseded");
}
