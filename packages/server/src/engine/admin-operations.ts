// The operator's fixes of X10 (AdminService): ForceFailThread ends a thread that is not making
// progress, RequeueToolCall sends a tool call whose execution is lost to the runners again. Each
// is one transaction on the locked thread; what it means for running work (a turn, a runner's
// execution) is announced after the commit (DESIGN §4).
import type { FailureRecord, ThreadRecord, ToolCallRecord } from "../store/records.js";
import type { EngineContext } from "./context.js";
import {
  ThreadNotFoundError,
  ToolCallNotFoundError,
  ToolCallNotPendingError,
  ToolCallNotSyncError,
} from "./errors.js";
import { dispatchKey, JOB } from "./jobs.js";
import { abortStreams, updateThread } from "./thread-transitions.js";
import { cancelPendingCalls, scheduleDispatch } from "./tool-calls.js";
import { mutate } from "./unit-of-work.js";

/** The error text of a pending tool call that ForceFailThread fails. */
export function forcedToolCallError(reason: string): string {
  return `Tool call failed because an operator force-failed the thread: ${reason}`;
}

/**
 * ForceFailThread (X10): fails the thread whatever its status. Its open streams are aborted with
 * reason "forced": the turn that holds one, on any replica, hears the abort after the commit and
 * stops, and its next write is refused in any case (B3, the stream is no longer streaming). Its
 * pending calls (sync and async) fail and their executions are cancelled; its retry and the jobs
 * that would move it on are cancelled. A thread already force-failed is returned unchanged, so an
 * operator's retried call changes nothing.
 */
export async function forceFailThread(
  context: EngineContext,
  input: { threadId: string; reason: string },
): Promise<ThreadRecord> {
  const { threadId, reason } = input;
  return mutate(context, async (tx, changes) => {
    const thread = await tx.lockThread(threadId);
    if (thread === undefined) throw new ThreadNotFoundError(threadId);
    if (thread.status === "failed" && thread.failure?.kind === "forced") return thread;
    const open = await tx.listStreams(threadId, ["pending", "streaming"]);
    await abortStreams(
      context,
      tx,
      changes,
      threadId,
      open.map((stream) => ({ streamId: stream.streamId, reason: "forced" as const })),
    );
    await cancelPendingCalls(context, tx, changes, thread, {
      kinds: ["sync", "async"],
      errorText: forcedToolCallError(reason),
    });
    // The turn of an aborted pending stream, a due retry, a dispatch or a deadline of a failed
    // call: nothing is left for them to do.
    await tx.cancelThreadJobs(threadId, [
      JOB.runTurn,
      JOB.retryTurn,
      JOB.dispatchTool,
      JOB.toolDeadline,
    ]);
    const failure: FailureRecord = {
      error: reason,
      kind: "forced",
      // An operator's decision, not an error class: retrying would not change it.
      retryable: false,
      requiresExplicitHandling: true,
      attempt: 1,
      maxAttempts: 1,
      providerRetryAfterMs: null,
      outputEmitted: false,
      failedAt: context.now(),
    };
    context.logger.warn(
      { threadId, reason, previousStatus: thread.status, abortedStreams: open.length },
      "thread force-failed",
    );
    // Last, so a watcher that sees the failed thread has already seen its calls fail.
    return updateThread(context, tx, changes, thread, {
      status: "failed",
      activeStreamId: null,
      continueFlag: false,
      retryState: null,
      failure,
    });
  });
}

/**
 * RequeueToolCall (X10): dispatches a pending sync call again now. An attempt whose dispatch is
 * still scheduled (a retry not yet due, or a dispatch not yet run) is dispatched now as it is; an
 * attempt already handed to a runner, or being handed off right now by a scheduler holding its
 * dispatch job's lease, is superseded by the next one: its runner is asked to cancel it, and its
 * late outcome is ignored because outcomes are matched by attempt (tool-calls.ts). The new attempt
 * has its own `Nats-Msg-Id` (<thread>:<call>:<attempt>), so JetStream does not take it for a
 * duplicate. `maxAttempts` is raised to the new attempt when it exceeds it, so a failure of
 * the requeued attempt is final (unless the tool's policy allows more).
 */
export async function requeueToolCall(
  context: EngineContext,
  input: { threadId: string; toolCallId: string },
): Promise<ToolCallRecord> {
  const { threadId, toolCallId } = input;
  return mutate(context, async (tx, changes) => {
    const thread = await tx.lockThread(threadId);
    if (thread === undefined) throw new ThreadNotFoundError(threadId);
    const call = await tx.getToolCall(threadId, toolCallId);
    if (call === undefined) throw new ToolCallNotFoundError(threadId, toolCallId);
    if (call.status !== "pending")
      throw new ToolCallNotPendingError(threadId, toolCallId, call.status);
    if (call.kind !== "sync") throw new ToolCallNotSyncError(threadId, toolCallId);
    const now = context.now();
    const dispatch = await tx.findJob(
      JOB.dispatchTool,
      dispatchKey(threadId, toolCallId, call.attempt),
    );
    // A dispatch job a live scheduler has leased may be publishing the attempt right now:
    // rescheduling it (a new row, no lease) would hand the same attempt off twice. An expired
    // lease belongs to a dead scheduler, whose job is rescheduled like one never claimed.
    const scheduled =
      dispatch !== undefined &&
      (dispatch.leaseOwner === null || dispatch.leaseUntil === null || dispatch.leaseUntil <= now);
    const attempt = scheduled ? call.attempt : call.attempt + 1;
    const requeued = await tx.updateToolCall(
      threadId,
      toolCallId,
      {
        attempt,
        maxAttempts: Math.max(call.maxAttempts, attempt),
        executionState: "queued",
        nextRetryAt: null,
        runnerId: null,
        lastHeartbeatAt: null,
      },
      now,
    );
    changes.emit(threadId, {
      type: "tool_call",
      toolCall: requeued,
    });
    // Same attempt: replaces the scheduled dispatch, moving it to now.
    await scheduleDispatch(context, tx, changes, requeued, now);
    context.logger.warn(
      { threadId, toolCallId, previousAttempt: call.attempt, attempt },
      "tool call requeued",
    );
    if (attempt !== call.attempt) {
      changes.afterCommit(() => {
        context.transport
          .cancel({
            threadId,
            toolCallId,
            toolName: call.toolName,
            attempt: call.attempt,
            reason: `Attempt ${call.attempt} was superseded by attempt ${attempt} (RequeueToolCall)`,
          })
          .catch((error: unknown) =>
            context.logger.warn({ err: error, threadId, toolCallId }, "cancel failed"),
          );
      });
    }
    return requeued;
  });
}
