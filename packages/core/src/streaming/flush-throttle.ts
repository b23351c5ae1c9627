/** Minimum time between two delta rows of one stream when the agent does not set one (B5). */
export const DEFAULT_DELTA_THROTTLE_MS = 250;

/** Input of {@link decideFlush}. */
export interface FlushTimingInput {
  /** When the stream last wrote a delta row (ms epoch); `undefined` when it has not written one yet. */
  lastFlushAt: number | undefined;
  /** The current time (ms epoch). */
  now: number;
  /**
   * Minimum time between two delta rows.
   * @default 250
   */
  throttleMs?: number;
}

/** Whether queued chunks may be written now, or how long to wait first. */
export type FlushTiming = { flushNow: true } | { flushNow: false; waitMs: number };

/**
 * Throttles delta writes to at most one row every `throttleMs` (B5). The first row of a stream is
 * written at once so a watcher sees the first token without waiting a throttle period.
 */
export function decideFlush(input: FlushTimingInput): FlushTiming {
  const throttleMs = input.throttleMs ?? DEFAULT_DELTA_THROTTLE_MS;
  if (input.lastFlushAt === undefined) {
    return { flushNow: true };
  }
  const elapsedMs = input.now - input.lastFlushAt;
  if (elapsedMs >= throttleMs) {
    return { flushNow: true };
  }
  // A clock that stepped backwards gives a negative elapsed time; never wait longer than one period.
  return { flushNow: false, waitMs: Math.min(throttleMs, throttleMs - elapsedMs) };
}
