// Whether a pending tool call's current attempt is still being executed somewhere, read from what
// the store and this process know. Recovery re-dispatches calls without a live execution (B20);
// ListStuck reports them (X10). Both decide with this one reading, so they never disagree.
import type { ToolCallRecord } from "../store/records.js";
import type { EngineContext } from "./context.js";

/** The last sign of an execution of the call's current attempt. */
export type ToolExecutionSign =
  /** This process runs (or queues) it in-process. */
  | { kind: "executing_locally" }
  /** A runner reported progress at `at`; alive within the runner silence limit. */
  | { kind: "runner_heartbeat"; at: number; alive: boolean }
  /**
   * Handed to the transport at `at` (the dispatch job marks the call queued; an in-process runner
   * that starts it at once records it running instead), and no runner has reported since. Alive
   * within the runner silence limit: on a shared store another replica may have dispatched it
   * moments ago, into its in-process pool or to NATS runners.
   */
  | { kind: "handed_off"; at: number; alive: boolean }
  /** Nothing shows an execution (e.g. a dead process's execution whose heartbeat was cleared). */
  | { kind: "none" };

export function toolExecutionSign(
  context: EngineContext,
  call: ToolCallRecord,
  now: number,
): ToolExecutionSign {
  const limitMs = context.timings.runnerSilenceLimitMs;
  if (context.transport.isExecutingLocally(call.threadId, call.toolCallId)) {
    return { kind: "executing_locally" };
  }
  if (call.lastHeartbeatAt !== null) {
    return {
      kind: "runner_heartbeat",
      at: call.lastHeartbeatAt,
      alive: now - call.lastHeartbeatAt < limitMs,
    };
  }
  if (call.executionState === "queued") {
    return { kind: "handed_off", at: call.updatedAt, alive: now - call.updatedAt < limitMs };
  }
  return { kind: "none" };
}

/** Whether the call's current attempt is presumed to be executing (B20). */
export function hasLiveExecution(
  context: EngineContext,
  call: ToolCallRecord,
  now: number,
): boolean {
  const sign = toolExecutionSign(context, call, now);
  return sign.kind === "executing_locally" || (sign.kind !== "none" && sign.alive);
}
