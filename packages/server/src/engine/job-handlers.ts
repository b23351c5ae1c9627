// What each durable job does when the scheduler runs it (DESIGN §4). Handlers are idempotent: a
// job may run again after a crash, and must then do nothing twice.
import { isStreamOpen, isStreamTimedOut } from "@durable-agents/core";
import type { JobControl } from "../scheduler/scheduler.js";
import type { JobRecord } from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";
import { JOB, type JobType } from "./jobs.js";
import { recoverThreads, resumePendingToolExecutions } from "./recovery.js";
import { abortStreams, continueThread, toStreamSnapshot } from "./thread-transitions.js";
import { describeTimeout } from "./tool-call-operations.js";
import { dispatchToolAttempt, finishToolCall, startInProcess, taskOf } from "./tool-calls.js";
import { runTurn } from "./turn-runner.js";
import { type Changes, mutate, scheduleJob } from "./unit-of-work.js";

export type JobHandler = (job: JobRecord, control: JobControl) => Promise<void>;

/**
 * Ends the job in the transaction that does its work; the scheduler hears of it once that
 * transaction committed, and does not delete the job again.
 */
async function completeJobIn(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  job: JobRecord,
  control: JobControl,
): Promise<void> {
  // The scheduler claims jobs as this engine's instance.
  await tx.completeJob(job.jobId, context.instanceId);
  changes.afterCommit(() => control.completedInTransaction());
}

function payloadString(job: JobRecord, key: string): string {
  const value = job.payload[key];
  if (typeof value !== "string") throw new Error(`job ${job.type} ${job.jobId} has no ${key}`);
  return value;
}

function payloadNumber(job: JobRecord, key: string): number | undefined {
  const value = job.payload[key];
  return typeof value === "number" ? value : undefined;
}

/** Default interval of the periodic recovery (B20). */
export const RECOVERY_INTERVAL_MS = 60_000;

export function createJobHandlers(
  context: EngineContext,
  options: { recoveryIntervalMs: number },
): Record<JobType, JobHandler> {
  return {
    // The turn owns its stream once it took it (lock + heartbeat, B3); if this process dies after
    // that, recovery (B2) replaces the stale stream, so the job is done as soon as the stream is
    // taken — in the transaction that takes it, not before: recovery (B20, `leaveLiveTurns`)
    // tells a turn about to take its pending stream by this job, and completing it earlier let a
    // sweep in between supersede the stream and start a second turn, one seq later.
    async [JOB.runTurn](job, control) {
      const threadId = job.threadId;
      if (threadId === null) return;
      await runTurn(
        context,
        { threadId, streamId: payloadString(job, "streamId") },
        (tx, changes) => completeJobIn(context, tx, changes, job, control),
      );
    },
    async [JOB.retryTurn](job) {
      const threadId = job.threadId;
      if (threadId === null) return;
      await mutate(context, async (tx, changes) => {
        const thread = await tx.lockThread(threadId);
        if (thread !== undefined) await continueThread(context, tx, changes, thread);
      });
    },
    async [JOB.dispatchTool](job, control) {
      const threadId = job.threadId;
      const toolCallId = payloadString(job, "toolCallId");
      const attempt = payloadNumber(job, "attempt");
      if (threadId === null) return;
      const dispatched = await mutate(context, async (tx, changes) => {
        const current = await tx.getToolCall(threadId, toolCallId);
        if (current === undefined || current.status !== "pending" || current.attempt !== attempt)
          return undefined;
        const now = context.now();
        // Started here on a free in-process runner, the call is as durable as any running sync
        // call: if this process dies, recovery dispatches it again (B20), so the job ends with
        // this transaction.
        const started = startInProcess(context, current, now);
        // A compare-and-set, not the read above, decides: on PostgreSQL (READ COMMITTED) the read
        // may predate a StopThread (B11) or a RequeueToolCall (X10) that commits before this
        // update, which then matches nothing instead of handing a cancelled attempt to a runner.
        const handedOver = await tx.updatePendingToolCall(
          threadId,
          toolCallId,
          { attempt },
          { nextRetryAt: null, ...(started ?? { executionState: "queued" }) },
          now,
        );
        if (handedOver === undefined) return undefined;
        if (started !== undefined) await completeJobIn(context, tx, changes, job, control);
        changes.emit(threadId, { type: "tool_call", toolCall: handedOver });
        return { call: handedOver, startRecorded: started !== undefined };
      });
      if (dispatched === undefined) return;
      const { call, startRecorded } = dispatched;
      // A runner elsewhere: the job completes only once the hand-off is durable, so a crash before
      // it dispatches again; the runner side de-duplicates by (thread, call, attempt).
      await dispatchToolAttempt(context, taskOf(call), { startRecorded });
    },
    async [JOB.toolDeadline](job) {
      const threadId = job.threadId;
      const toolCallId = payloadString(job, "toolCallId");
      if (threadId === null) return;
      const call = await context.store.getToolCall(threadId, toolCallId);
      if (call === undefined || call.status !== "pending") return;
      const timeoutMs = payloadNumber(job, "timeoutMs") ?? context.timings.defaultToolTimeoutMs;
      const errorText = `Tool call timed out after ${describeTimeout(timeoutMs)}`;
      const { applied } = await mutate(context, (tx, changes) =>
        finishToolCall(context, tx, changes, threadId, toolCallId, { type: "error", errorText }),
      );
      if (applied) {
        await context.transport.cancel({
          threadId,
          toolCallId,
          toolName: call.toolName,
          attempt: call.attempt,
          reason: errorText,
        });
      }
    },
    async [JOB.streamTimeout](job) {
      const streamId = job.payload.streamId;
      // A timeout job of an earlier version: the one stream it names.
      if (typeof streamId === "string") {
        await timeOutStream(context, streamId);
        return;
      }
      const silentSince = context.now() - context.timings.streamTimeoutMs;
      let after: { heartbeatAt: number; streamId: string } | undefined;
      for (;;) {
        const page = await context.store.listSilentStreams(silentSince, after, STREAM_SWEEP_BATCH);
        for (const stream of page) await timeOutStream(context, stream.streamId);
        const last = page.at(-1);
        if (page.length < STREAM_SWEEP_BATCH || last?.heartbeatAt == null) break;
        after = { heartbeatAt: last.heartbeatAt, streamId: last.streamId };
      }
      await scheduleRecurringJob(
        context,
        JOB.streamTimeout,
        context.now() + sweepIntervalMs(context.timings.streamTimeoutMs),
      );
    },
    async [JOB.streamCleanup](job) {
      const streamId = job.payload.streamId;
      if (typeof streamId === "string") {
        await deleteEndedStream(context, streamId);
        return;
      }
      const endedBefore = context.now() - context.timings.streamCleanupDelayMs;
      for (;;) {
        const deleted = await context.store.deleteEndedStreams(endedBefore, STREAM_SWEEP_BATCH);
        if (deleted < STREAM_SWEEP_BATCH) break;
      }
      await scheduleRecurringJob(
        context,
        JOB.streamCleanup,
        context.now() + sweepIntervalMs(context.timings.streamCleanupDelayMs),
      );
    },
    async [JOB.recovery]() {
      const continued = await recoverThreads(context);
      const redispatched = await resumePendingToolExecutions(context);
      if (continued + redispatched > 0)
        context.logger.info({ continued, redispatched }, "recovery");
      await scheduleRecurringJob(context, JOB.recovery, context.now() + options.recoveryIntervalMs);
    },
  };
}

/** Streams one sweep deletes, or reads, per statement. */
const STREAM_SWEEP_BATCH = 500;

/**
 * How often a stream sweep runs, for a time limit `limitMs` it enforces: a stream is deleted
 * between the cleanup delay and the delay plus this after it ended (B7: 5 to 6 minutes by
 * default), and aborted between the stream timeout and the timeout plus this after its last
 * heartbeat (B3: 10 to 11 minutes).
 */
function sweepIntervalMs(limitMs: number): number {
  // At least 10 ms: a limit of 0 must not make the sweep re-arm itself in a tight loop.
  return Math.max(10, Math.min(limitMs, 60_000));
}

/**
 * B3: aborts a streaming stream with no heartbeat for the stream timeout ("timeout"), and
 * continues its thread when it was the active stream.
 */
async function timeOutStream(context: EngineContext, streamId: string): Promise<void> {
  await mutate(context, async (tx, changes) => {
    const unlocked = await tx.getStream(streamId);
    if (unlocked === undefined) return;
    const thread = await tx.lockThread(unlocked.threadId);
    // Decided on the stream as it is under the thread's lock. On PostgreSQL (READ COMMITTED) the
    // first read may predate a heartbeat or a finalize (B7) that committed while this transaction
    // waited, and a live or finished stream must not be aborted.
    const stream = await tx.getStream(streamId);
    if (thread === undefined || stream === undefined || stream.status !== "streaming") return;
    const snapshot = toStreamSnapshot(stream);
    if (!isStreamTimedOut(snapshot, context.now(), context.timings.streamTimeoutMs)) return;
    await abortStreams(context, tx, changes, thread.threadId, [{ streamId, reason: "timeout" }]);
    if (thread.activeStreamId === streamId) await continueThread(context, tx, changes, thread);
  });
}

/** A cleanup job of an earlier version: the one stream it names, if it has ended. */
async function deleteEndedStream(context: EngineContext, streamId: string): Promise<void> {
  await mutate(context, async (tx) => {
    const stream = await tx.getStream(streamId);
    if (stream !== undefined && !isStreamOpen(stream.status)) {
      await tx.deleteStream(streamId);
    }
  });
}

/**
 * Schedules one of the deployment's recurring jobs — recovery (B20), the stream sweeps (B3, B7) —
 * keyed by its type, so there is one per deployment whichever replica schedules or claims it.
 */
export async function scheduleRecurringJob(
  context: EngineContext,
  type: typeof JOB.recovery | typeof JOB.streamCleanup | typeof JOB.streamTimeout,
  runAt: number,
): Promise<void> {
  await mutate(context, async (tx, changes) => {
    await scheduleJob(context, tx, changes, {
      type,
      threadId: null,
      key: type,
      payload: {},
      runAt,
    });
  });
}
