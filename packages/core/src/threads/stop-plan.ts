import { abortOpenStreams } from "./stream-aborts.js";
import type { StreamAbort, ThreadSnapshot } from "./thread-snapshot.js";

/**
 * Applying the stop signal (B2, B19): the thread becomes stopped, its active stream is cleared and
 * its continue flag and retry state are cleared. Every open stream of the thread is aborted with
 * reason "stopSignal": a stopped thread must not keep any turn writing.
 */
export interface StopDecision {
  kind: "stop";
  abortStreams: StreamAbort[];
}

export function planStop(
  thread: Pick<ThreadSnapshot, "activeStream" | "otherOpenStreams">,
): StopDecision {
  const streams = [thread.activeStream, ...thread.otherOpenStreams];
  return { kind: "stop", abortStreams: abortOpenStreams(streams, "stopSignal") };
}
