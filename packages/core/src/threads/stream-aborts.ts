import type { StreamAbort, StreamAbortReason, StreamSnapshot } from "./thread-snapshot.js";
import { isStreamOpen } from "./thread-status.js";

/**
 * One abort per distinct open stream, in the given order. Finished and aborted streams are skipped:
 * their end is final, and aborting again would reschedule their cleanup (B7).
 */
export function abortOpenStreams(
  streams: readonly (StreamSnapshot | undefined)[],
  reason: StreamAbortReason,
): StreamAbort[] {
  const aborts: StreamAbort[] = [];
  const seen = new Set<string>();
  for (const stream of streams) {
    if (stream === undefined || !isStreamOpen(stream.status) || seen.has(stream.id)) {
      continue;
    }
    seen.add(stream.id);
    aborts.push({ streamId: stream.id, reason });
  }
  return aborts;
}
