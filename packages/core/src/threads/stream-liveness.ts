import {
  STREAM_ALIVE_THRESHOLD_MS,
  STREAM_HEARTBEAT_INTERVAL_MS,
  STREAM_HEARTBEAT_MAX_JITTER_MS,
  STREAM_TIMEOUT_MS,
} from "./stream-timing.js";
import type { StreamSnapshot } from "./thread-snapshot.js";

/**
 * A stream is alive while it is streaming and its last heartbeat is younger than the threshold
 * (B2, B19). A pending stream is not alive: no turn has taken it yet.
 */
export function isStreamAlive(
  stream: StreamSnapshot | undefined,
  now: number,
  aliveThresholdMs: number = STREAM_ALIVE_THRESHOLD_MS,
): boolean {
  if (stream?.status !== "streaming" || stream.heartbeatAt === undefined) {
    return false;
  }
  return now - stream.heartbeatAt < aliveThresholdMs;
}

/**
 * A streaming stream with no heartbeat for `timeoutMs` ({@link STREAM_TIMEOUT_MS} by default) is
 * aborted, "timeout" (B3).
 */
export function isStreamTimedOut(
  stream: StreamSnapshot,
  now: number,
  timeoutMs: number = STREAM_TIMEOUT_MS,
): boolean {
  if (stream.status !== "streaming" || stream.heartbeatAt === undefined) {
    return false;
  }
  return now - stream.heartbeatAt >= timeoutMs;
}

/**
 * Delay before a turn's next heartbeat (B3): the interval minus a random jitter of up to
 * `maxJitterMs`. The jitter spreads the heartbeats of many turns; taking it off (rather than
 * adding it) keeps every heartbeat well inside the alive threshold.
 *
 * @param random returns a number in [0, 1), like `Math.random`.
 */
export function nextHeartbeatDelayMs(
  random: () => number,
  intervalMs: number = STREAM_HEARTBEAT_INTERVAL_MS,
  maxJitterMs: number = STREAM_HEARTBEAT_MAX_JITTER_MS,
): number {
  return intervalMs - Math.floor(random() * maxJitterMs);
}
