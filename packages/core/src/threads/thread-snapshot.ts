import type { StreamStatus, ThreadStatus } from "./thread-status.js";

/** The state of one stream that the thread rules look at. */
export interface StreamSnapshot {
  id: string;
  status: StreamStatus;
  /** The stream's seq within its thread (thread.seq at creation). */
  seq: number;
  /** Last heartbeat (ms epoch); set once a turn took the stream (B3). */
  heartbeatAt?: number | undefined;
  /** Lock id of the turn that took the stream (B3); unset while pending. */
  lockId?: string | undefined;
}

/** A pending turn retry (B9). */
export interface RetryStateSnapshot {
  /** When the retry is due (ms epoch). */
  nextRetryAt: number;
}

/** The state of a thread that the thread rules decide on, read in the deciding transaction. */
export interface ThreadSnapshot {
  status: ThreadStatus;
  /** Set by StopThread (B11), applied by the next continue (B2) or tool-complete check (B19). */
  stopSignal: boolean;
  /** Seq of the thread's latest stream; a new stream gets `seq + 1` (B2). */
  seq: number;
  /** Set when a continue arrived while the active stream was alive; honoured at finalize (B8). */
  continueFlag: boolean;
  /** The pending retry, if any (B9, B10). */
  retryState: RetryStateSnapshot | undefined;
  /** The thread's active stream; `undefined` when it has none (or its row is gone). */
  activeStream: StreamSnapshot | undefined;
  /** How many of the thread's tool calls are still pending. */
  pendingToolCallCount: number;
  /** The thread's open (pending or streaming) streams other than the active one. */
  otherOpenStreams: readonly StreamSnapshot[];
}

/**
 * Why a stream was aborted: the stop signal (B2, B19), a stale streaming active stream (B2), a
 * stream replaced by a newer one (B2), a stream without heartbeat for 10 min (B3), or a turn whose
 * stream is no longer its thread's active stream (B3).
 */
export type StreamAbortReason = "stopSignal" | "expired" | "superseded" | "timeout" | "inactive";

/** An instruction to abort one stream. */
export interface StreamAbort {
  streamId: string;
  reason: StreamAbortReason;
}
