import type { ContinueOptions } from "./continue-decision.js";
import { planStop, type StopDecision } from "./stop-plan.js";
import { isStreamAlive } from "./stream-liveness.js";
import type { ThreadSnapshot } from "./thread-snapshot.js";
import { isBusyStatus } from "./thread-status.js";

/**
 * What a tool call reaching its outcome does to its thread (B19):
 * - `stop`: apply the stop signal (see {@link StopDecision});
 * - `noop`: the thread is not running its loop, or other tool calls are still pending;
 * - `set_continue_flag`: the turn that made the calls is still streaming; it continues the thread
 *   when it finalizes (B8);
 * - `continue`: continue the thread (B2) now.
 */
export type ToolCompleteDecision =
  | StopDecision
  | { kind: "noop"; reason: "thread_not_running" | "tool_calls_pending" }
  | { kind: "set_continue_flag" }
  | { kind: "continue" };

/**
 * Runs after the outcome was recorded, so `pendingToolCallCount` no longer counts the completed
 * call.
 */
export function decideAfterToolComplete(
  thread: ThreadSnapshot,
  now: number,
  options: ContinueOptions = {},
): ToolCompleteDecision {
  if (thread.stopSignal) {
    return planStop(thread);
  }
  // A completed, failed or stopped thread was ended on purpose; a late outcome must not restart it.
  if (!isBusyStatus(thread.status)) {
    return { kind: "noop", reason: "thread_not_running" };
  }
  if (thread.pendingToolCallCount > 0) {
    return { kind: "noop", reason: "tool_calls_pending" };
  }
  if (isStreamAlive(thread.activeStream, now, options.streamAliveThresholdMs)) {
    return { kind: "set_continue_flag" };
  }
  return { kind: "continue" };
}
