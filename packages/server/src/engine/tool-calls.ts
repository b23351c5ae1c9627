// Tool calls: recording and dispatching them (B6), applying outcomes from runners and from
// AddToolResult/AddToolError (B15, B16, B17), deadlines (B18) and the tool-complete check (B19).
import {
  computeBackoffDelayMs,
  decideAfterToolComplete,
  decideToolRetry,
} from "@durable-agents/core";
import type { UIMessageChunk } from "ai";
import { withTraceContext } from "../observability/tracing.js";
import type { JsonValue, StreamRecord, ThreadRecord, ToolCallRecord } from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import type {
  DispatchOptions,
  ToolFailure,
  ToolReportSink,
  ToolTask,
} from "../transport/tool-transport.js";
import type { EngineContext } from "./context.js";
import { ThreadNotFoundError, ToolCallNotFoundError } from "./errors.js";
import { dispatchKey, JOB, toolCallKey } from "./jobs.js";
import { streamAliveThresholdMs } from "./stream-timings.js";
import {
  applyStop,
  continueThread,
  type PlannedThread,
  planThread,
  readThreadFacts,
  readThreadSnapshot,
  writePlannedThread,
} from "./thread-transitions.js";
import { type Changes, scheduleJob } from "./unit-of-work.js";

/**
 * Async callbacks get this many attempts, `timings.asyncCallbackInitialDelayMs` (5 s) × 2^(n−1)
 * apart (B16).
 */
const ASYNC_CALLBACK_MAX_ATTEMPTS = 3;

/** The text of a sync tool call failed by StopThread (B11). */
export const CANCELLED_BY_STOP = "Tool execution cancelled because the thread was stopped";
/** The text of a pending tool call failed by an X3 INTERRUPT. */
export const CANCELLED_BY_INTERRUPT =
  "Tool call cancelled because a new message interrupted the thread";

/**
 * Records a tool call the model made, with its deadline (B18), and starts its first attempt (B6).
 * A call id already recorded in the thread is ignored: ids are unique per thread.
 *
 * A sync call whose in-process runner has a free slot is recorded running, with its first
 * heartbeat (X9, `startInProcess`, as the dispatch job records it), and handed to that runner
 * once the transaction commits: without the job, its claim and its transaction between the
 * model's tool call and the tool. If this process dies before the tool reports,
 * recovery dispatches the call again (B20), as it does any running sync call of a dead process.
 * Other calls get a dispatch job.
 */
export async function recordToolCall(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  call: { toolCallId: string; toolName: string; args: JsonValue; messageId: string },
): Promise<ToolCallRecord | undefined> {
  const now = context.now();
  const policy = await context.getToolPolicy(call.toolName, tx);
  const kind = policy?.kind ?? "sync";
  const retry = policy?.retry ?? context.getAgent(thread.agent)?.toolRetry;
  const maxAttempts =
    kind === "async" ? ASYNC_CALLBACK_MAX_ATTEMPTS : retry?.enabled ? (retry.maxAttempts ?? 3) : 1;
  // B18: every call has a deadline; a tool that names no timeout gets the default (30 min).
  const timeoutMs = policy?.timeoutMs ?? context.timings.defaultToolTimeoutMs;
  const started = startInProcess(context, { kind, toolName: call.toolName }, now);
  const record: ToolCallRecord = {
    threadId: thread.threadId,
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    kind,
    args: call.args,
    status: "pending",
    result: undefined,
    error: null,
    attempt: 1,
    maxAttempts,
    lastError: null,
    nextRetryAt: null,
    deadlineAt: now + timeoutMs,
    ...(started ?? { executionState: "queued", runnerId: null, lastHeartbeatAt: null }),
    messageId: call.messageId,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await tx.insertToolCall(record))) return undefined;
  changes.emit(thread.threadId, {
    type: "tool_call",
    toolCall: record,
  });
  if (started === undefined) await scheduleDispatch(context, tx, changes, record, now);
  else changes.afterCommit(() => handOverStarted(context, record));
  await scheduleJob(context, tx, changes, {
    type: JOB.toolDeadline,
    threadId: thread.threadId,
    key: toolCallKey(thread.threadId, call.toolCallId),
    payload: { toolCallId: call.toolCallId, timeoutMs },
    runAt: now + timeoutMs,
  });
  return record;
}

/**
 * How an attempt that starts now on this process's in-process runner is recorded (X9): a sync
 * call whose runner has a free slot is running, with its first heartbeat, from the transaction
 * that hands it over. Undefined when a runner elsewhere (or a busy pool) takes it: it is queued,
 * and the runner reports its start itself. Async calls (B16) keep their dispatch job until the
 * hand-off, as recovery only re-dispatches sync calls.
 */
export function startInProcess(
  context: EngineContext,
  call: Pick<ToolCallRecord, "kind" | "toolName">,
  now: number,
): Pick<ToolCallRecord, "executionState" | "runnerId" | "lastHeartbeatAt"> | undefined {
  if (call.kind !== "sync") return undefined;
  const runnerId = context.transport.inProcessRunnerFor(call.toolName);
  return runnerId === undefined
    ? undefined
    : { executionState: "running", runnerId, lastHeartbeatAt: now };
}

/** Hands a call recorded running to the in-process runner after its commit (recordToolCall). */
function handOverStarted(context: EngineContext, call: ToolCallRecord): void {
  dispatchToolAttempt(context, taskOf(call), { startRecorded: true }).catch((error: unknown) => {
    // The call stays recorded running; recovery dispatches it again (B20).
    context.logger.error(
      { err: error, threadId: call.threadId, toolCallId: call.toolCallId },
      "starting an in-process tool call failed",
    );
  });
}

/** The attempt of a call a runner gets (without the trace context the dispatch adds). */
export function taskOf(call: ToolCallRecord): Omit<ToolTask, "traceContext"> {
  return {
    threadId: call.threadId,
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    args: call.args,
    kind: call.kind,
    attempt: call.attempt,
    maxAttempts: call.maxAttempts,
    deadlineAt: call.deadlineAt,
  };
}

export async function scheduleDispatch(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  call: ToolCallRecord,
  runAt: number,
): Promise<void> {
  await scheduleJob(context, tx, changes, {
    type: JOB.dispatchTool,
    threadId: call.threadId,
    key: dispatchKey(call.threadId, call.toolCallId, call.attempt),
    // X6: the dispatch (and the runner) joins the trace of the turn or outcome that caused it.
    payload: withTraceContext(context.tracing, {
      toolCallId: call.toolCallId,
      attempt: call.attempt,
    }),
    runAt,
  });
}

/**
 * Hands one attempt to the transport (B6, B15) inside its `tool <name>` span (X6): a producer
 * span, child of the turn (or outcome) that scheduled the dispatch, whose context the task carries
 * to the runner, so the runner's `tool.execute` span is its child. Its duration until the outcome
 * comes back here is counted per tool.
 */
export async function dispatchToolAttempt(
  context: EngineContext,
  task: Omit<ToolTask, "traceContext">,
  options?: DispatchOptions,
): Promise<void> {
  const span = context.tracing.startSpan(`tool ${task.toolName}`, {
    kind: "producer",
    attributes: {
      "durable_agents.thread_id": task.threadId,
      "durable_agents.tool_call_id": task.toolCallId,
      "durable_agents.tool_name": task.toolName,
      "durable_agents.attempt": task.attempt,
    },
  });
  try {
    context.metrics.toolDispatched(task.toolName, task);
    await span.run(() =>
      context.transport.dispatch({ ...task, traceContext: span.traceContext }, options),
    );
  } catch (error: unknown) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * The report sink with X6 around it: an outcome ends its attempt's measured duration, and is
 * applied in the trace context the runner sent with it, so the turn it may start continues the
 * runner's trace.
 */
export function observeToolReports(context: EngineContext, sink: ToolReportSink): ToolReportSink {
  return {
    onOutcome(outcome) {
      context.metrics.toolAttemptEnded(outcome, outcome.type);
      return context.tracing.run(outcome.traceContext, () => sink.onOutcome(outcome));
    },
    onProgress: (progress) => sink.onProgress(progress),
  };
}

/**
 * How a tool call ended, from a runner or from AddToolResult / AddToolError. `runnerId` names the
 * runner whose outcome ended it (X9); unset, or empty for an outcome the server made up itself,
 * the call keeps the runner its progress reports named.
 */
export type ToolCallEnd = (
  | { type: "result"; result: JsonValue }
  | { type: "error"; errorText: string }
) & {
  runnerId?: string;
};

/**
 * Finishes a pending tool call (B15, B17): records the outcome, writes its one-delta outcome
 * stream so watchers see it, cancels its deadline, and runs the tool-complete check (B19).
 * Returns false when the call was already finished (B17: ignored, no second continuation), or
 * when `attempt` names another attempt than the current one: a runner's late report of an
 * attempt that was superseded (RequeueToolCall, X10) is stale, checked here in the transaction.
 */
export async function finishToolCall(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  threadId: string,
  toolCallId: string,
  end: ToolCallEnd,
  attempt?: number,
): Promise<{ applied: boolean; toolCall: ToolCallRecord }> {
  const thread = await tx.lockThread(threadId);
  if (thread === undefined) throw new ThreadNotFoundError(threadId);
  // X9: the outcome names the runner that ran the attempt. Progress reports travel apart from
  // outcomes (core NATS vs JetStream), so a "claimed" report may come after the outcome (and is
  // then ignored, the call being finished) or never: without this the call would stay runnerless.
  const ranBy = end.runnerId === undefined || end.runnerId === "" ? {} : { runnerId: end.runnerId };
  // Under the thread's lock nothing else finishes, cancels or requeues the call: finishing it
  // only while it is pending in the attempt is the check and the write in one statement.
  const finished = await tx.updatePendingToolCall(
    threadId,
    toolCallId,
    { attempt },
    end.type === "result"
      ? {
          status: "completed",
          result: end.result,
          executionState: "done",
          nextRetryAt: null,
          ...ranBy,
        }
      : {
          status: "failed",
          error: end.errorText,
          executionState: "done",
          nextRetryAt: null,
          ...ranBy,
        },
    context.now(),
  );
  if (finished === undefined) {
    const call = await tx.getToolCall(threadId, toolCallId);
    if (call === undefined) throw new ToolCallNotFoundError(threadId, toolCallId);
    return { applied: false, toolCall: call };
  }
  await tx.cancelJobs([
    { type: JOB.toolDeadline, key: toolCallKey(threadId, toolCallId) },
    { type: JOB.dispatchTool, key: dispatchKey(threadId, toolCallId, finished.attempt + 1) },
  ]);
  const withOutcome = await writeOutcomeStream(context, tx, changes, thread, finished);
  changes.emit(threadId, {
    type: "tool_call",
    toolCall: finished,
  });
  await afterToolComplete(context, tx, changes, withOutcome);
  changes.afterCommit(() =>
    context.metrics.toolCallFinished(
      finished.toolName,
      finished.status === "completed" ? "completed" : "failed",
    ),
  );
  return { applied: true, toolCall: finished };
}

/**
 * A tool outcome gets its own finished one-delta stream (B15), so watchers following deltas see
 * the result arrive; it takes the thread's next seq like any stream. The thread's new seq is
 * pending: the tool-complete check (afterToolComplete) writes it with its own change.
 */
async function writeOutcomeStream(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  call: ToolCallRecord,
): Promise<PlannedThread> {
  const now = context.now();
  const chunk: UIMessageChunk =
    call.status === "completed"
      ? { type: "tool-output-available", toolCallId: call.toolCallId, output: call.result ?? null }
      : { type: "tool-output-error", toolCallId: call.toolCallId, errorText: call.error ?? "" };
  const stream: StreamRecord = {
    streamId: context.newId(),
    threadId: thread.threadId,
    kind: "tool_outcome",
    seq: thread.seq + 1,
    status: "finished",
    lockId: null,
    heartbeatAt: null,
    abortReason: null,
    deltaCount: 1,
    createdAt: now,
    endedAt: now,
  };
  const delta = {
    threadId: thread.threadId,
    streamId: stream.streamId,
    streamSeq: stream.seq,
    deltaSeq: 0,
    messageId: call.messageId,
    messageSeq: 0,
    chunks: [chunk],
    createdAt: now,
  };
  await tx.insertStream(stream, [delta]);
  changes.emit(thread.threadId, { type: "delta", delta });
  changes.emit(thread.threadId, { type: "stream_state", stream });
  return planThread(thread, { seq: stream.seq });
}

/**
 * The tool-complete check (B19), after an outcome was recorded, on the thread as the outcome left
 * it; the thread is written once, with the check's change.
 */
export async function afterToolComplete(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  plan: PlannedThread,
): Promise<ThreadRecord> {
  const thread = plan.planned;
  // Read once: a continue decides on the same facts (B2).
  const facts = await readThreadFacts(tx, thread);
  const decision = decideAfterToolComplete(
    await readThreadSnapshot(tx, thread, facts),
    context.now(),
    { streamAliveThresholdMs: streamAliveThresholdMs(context.timings) },
  );
  switch (decision.kind) {
    case "stop":
      return applyStop(context, tx, changes, plan.stored, decision.abortStreams, plan.pending);
    case "noop":
      return writePlannedThread(context, tx, changes, plan);
    case "set_continue_flag":
      return writePlannedThread(
        context,
        tx,
        changes,
        plan,
        thread.continueFlag ? {} : { continueFlag: true },
      );
    case "continue":
      return (await continueThread(context, tx, changes, plan, { facts })).thread;
  }
}

/**
 * A runner reported a failed attempt. Sync tools retry per their policy (B15); async callbacks
 * retry up to 3 attempts, 5 s × 2^(n−1) apart by default (B16); the final failure finishes the call.
 * Reports for another attempt than the current one are stale and ignored. The call is read under
 * the thread's lock, as finishToolCall does: under READ COMMITTED a RequeueToolCall (X10) committing
 * after an unlocked read would let attempt N's stale failure overwrite the requeued attempt N+1.
 * Returns whether the failure applied, with the call as it was read (as finishToolCall does).
 */
export async function applyToolFailure(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  threadId: string,
  toolCallId: string,
  attempt: number,
  failure: ToolFailure,
  /** The runner that reported the failure (X9): a final failure names it, as a result does. */
  runnerId?: string,
): Promise<{ applied: boolean; toolCall: ToolCallRecord | undefined }> {
  const thread = await tx.lockThread(threadId);
  if (thread === undefined) return { applied: false, toolCall: undefined };
  const call = await tx.getToolCall(threadId, toolCallId);
  if (call === undefined || call.status !== "pending" || call.attempt !== attempt) {
    return { applied: false, toolCall: call };
  }
  const now = context.now();
  if (call.kind === "async") {
    if (attempt < ASYNC_CALLBACK_MAX_ATTEMPTS) {
      const delayMs = computeBackoffDelayMs(
        {
          strategy: "exponential",
          initialDelayMs: context.timings.asyncCallbackInitialDelayMs,
          multiplier: 2,
          maxDelayMs: Number.MAX_SAFE_INTEGER,
          jitter: "none",
        },
        attempt,
        () => 0,
      );
      await scheduleRetry(context, tx, changes, call, failure.message, now + delayMs);
      return { applied: true, toolCall: call };
    }
    return finishToolCall(
      context,
      tx,
      changes,
      threadId,
      toolCallId,
      {
        type: "error",
        errorText: `Async callback failed after ${attempt} attempts: ${failure.message}`,
        runnerId,
      },
      attempt,
    );
  }
  const policy = await context.getToolPolicy(call.toolName, tx);
  const decision = decideToolRetry({
    // The default classifier (B23) reads status and code properties as well as the text.
    error: {
      name: failure.name,
      message: failure.message,
      code: failure.code,
      status: failure.status,
    },
    attempt,
    policy: policy?.retry ?? context.getAgent(thread.agent)?.toolRetry,
    shouldRetryResult:
      failure.invalidArgs === true
        ? false
        : failure.retryDelayMs !== undefined && failure.retryableHint === true
          ? { retryable: true, delayMs: failure.retryDelayMs }
          : undefined,
    retryableHint: failure.retryableHint,
    now,
    random: context.random,
  });
  if (decision.action === "retry") {
    await scheduleRetry(context, tx, changes, call, decision.errorText, decision.nextRetryTime);
    return { applied: true, toolCall: call };
  }
  return finishToolCall(
    context,
    tx,
    changes,
    threadId,
    toolCallId,
    { type: "error", errorText: decision.errorText, runnerId },
    attempt,
  );
}

async function scheduleRetry(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  call: ToolCallRecord,
  errorText: string,
  nextRetryAt: number,
): Promise<void> {
  const retried = await tx.updateToolCall(
    call.threadId,
    call.toolCallId,
    {
      attempt: call.attempt + 1,
      lastError: errorText,
      nextRetryAt,
      executionState: "retry_scheduled",
      runnerId: null,
    },
    context.now(),
  );
  changes.emit(call.threadId, {
    type: "tool_call",
    toolCall: retried,
  });
  await scheduleDispatch(context, tx, changes, retried, nextRetryAt);
  changes.afterCommit(() => context.metrics.toolRetryScheduled(call.toolName));
}

/** StopThread fails the thread's pending sync calls and cancels their executions (B11, X9). */
export async function cancelPendingSyncCalls(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
): Promise<void> {
  await cancelPendingCalls(context, tx, changes, thread, {
    kinds: ["sync"],
    errorText: CANCELLED_BY_STOP,
  });
}

/**
 * Fails the thread's pending calls of the given kinds with `errorText` and cancels their
 * executions: StopThread's sync calls (B11), and an X3 INTERRUPT's async calls too, whose message
 * must run now rather than wait for answers to the loop it interrupted.
 */
export async function cancelPendingCalls(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  options: { kinds: readonly ToolCallRecord["kind"][]; errorText: string },
): Promise<void> {
  const { threadId } = thread;
  const { errorText } = options;
  const pending = await tx.listToolCalls(threadId, { statuses: ["pending"], limit: 10_000 });
  for (const call of pending) {
    if (!options.kinds.includes(call.kind)) continue;
    const failed = await tx.updateToolCall(
      threadId,
      call.toolCallId,
      { status: "failed", error: errorText, executionState: "done", nextRetryAt: null },
      context.now(),
    );
    await tx.cancelJobs([
      { type: JOB.toolDeadline, key: toolCallKey(threadId, call.toolCallId) },
      { type: JOB.dispatchTool, key: dispatchKey(threadId, call.toolCallId, call.attempt) },
    ]);
    changes.emit(threadId, { type: "tool_call", toolCall: failed });
    changes.afterCommit(() => {
      context.metrics.toolCallFinished(call.toolName, "cancelled");
      context.transport
        .cancel({
          threadId,
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          attempt: call.attempt,
          reason: errorText,
        })
        .catch((error: unknown) =>
          context.logger.warn(
            { err: error, threadId, toolCallId: call.toolCallId },
            "cancel failed",
          ),
        );
    });
  }
}
