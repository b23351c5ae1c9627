/** How often a turn heartbeats its stream, before jitter (B3). */
export const STREAM_HEARTBEAT_INTERVAL_MS = 30_000;

/** Upper bound of the random jitter taken off each heartbeat interval (B3). */
export const STREAM_HEARTBEAT_MAX_JITTER_MS = 10_000;

/**
 * A streaming stream whose last heartbeat is younger than this is alive (B2, B19). Heartbeats come
 * at most one interval apart (jitter only makes them earlier), so a working turn keeps at least
 * the jitter bound of margin for a slow heartbeat write before it could be taken for dead.
 */
export const STREAM_ALIVE_THRESHOLD_MS =
  STREAM_HEARTBEAT_INTERVAL_MS + STREAM_HEARTBEAT_MAX_JITTER_MS;

/** A streaming stream with no heartbeat for this long is aborted with reason "timeout" (B3). */
export const STREAM_TIMEOUT_MS = 10 * 60_000;

/** Finished and aborted streams and their deltas are deleted this long after they end (B7). */
export const STREAM_CLEANUP_DELAY_MS = 5 * 60_000;
