// Recovery (B20): continue every thread whose loop should be running, and re-dispatch every
// pending sync tool call that has no live execution. Run at start-up, periodically, and on demand
// through AdminService.
import type { ToolCallRecord } from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";
import { dispatchKey, JOB } from "./jobs.js";
import { continueThread } from "./thread-transitions.js";
import { scheduleDispatch } from "./tool-calls.js";
import { hasLiveExecution } from "./tool-execution-liveness.js";
import { type Changes, mutate } from "./unit-of-work.js";

const PAGE_SIZE = 200;

/** B20: continues streaming and awaiting threads (B2 handles dead streams); returns how many started a turn. */
export async function recoverThreads(context: EngineContext): Promise<number> {
  let continued = 0;
  let after: string | undefined;
  for (;;) {
    const page = await context.store.listThreadsByStatus(
      ["streaming", "awaiting_tool_results"],
      after,
      PAGE_SIZE,
    );
    for (const listed of page) {
      const started = await mutate(context, async (tx, changes) => {
        const thread = await tx.lockThread(listed.threadId);
        if (
          thread === undefined ||
          (thread.status !== "streaming" && thread.status !== "awaiting_tool_results")
        ) {
          return false;
        }
        // A live turn needs no recovery: setting its continue flag would run one more turn after
        // it (B8), so recovery only acts where the turn is gone.
        const { decision } = await continueThread(context, tx, changes, thread, {
          leaveLiveTurns: true,
        });
        return decision.kind === "start_turn";
      });
      if (started) continued += 1;
    }
    after = page.at(-1)?.threadId;
    if (page.length < PAGE_SIZE) return continued;
  }
}

/**
 * A store that only this process writes (SQLite) holds no live in-process tool execution at
 * start-up: every call an in-process runner held died with its process, so its runner heartbeat
 * is cleared and the start-up recovery re-dispatches it at once, instead of after the runner
 * silence limit (B20). Calls held by remote runners keep theirs: those runners may still be alive.
 * Calls the dead process had handed off that no runner took yet (waiting in its in-process pool,
 * or in NATS) are dispatched again at once, as recovery would only after the silence limit.
 */
export async function releaseOrphanedToolExecutions(context: EngineContext): Promise<void> {
  let after: { threadId: string; toolCallId: string } | undefined;
  for (;;) {
    const page = await context.store.listPendingSyncToolCalls(after, PAGE_SIZE);
    for (const listed of page) {
      const { runnerId } = listed;
      const heldInProcess =
        runnerId !== null &&
        listed.lastHeartbeatAt !== null &&
        context.transport.isInProcessRunner(runnerId);
      const handedOff = listed.lastHeartbeatAt === null && listed.executionState === "queued";
      if (!heldInProcess && !handedOff) continue;
      await mutate(context, async (tx, changes) => {
        const call = await tx.getToolCall(listed.threadId, listed.toolCallId);
        if (call?.status !== "pending") return;
        if (heldInProcess) {
          if (call.runnerId !== runnerId) return;
          await tx.updateToolCall(
            call.threadId,
            call.toolCallId,
            { lastHeartbeatAt: null },
            context.now(),
          );
          return;
        }
        if (call.lastHeartbeatAt !== null || call.executionState !== "queued") return;
        await redispatchUnlessScheduled(context, tx, changes, call);
      });
    }
    const last = page.at(-1);
    after =
      last === undefined ? undefined : { threadId: last.threadId, toolCallId: last.toolCallId };
    if (page.length < PAGE_SIZE) return;
  }
}

/**
 * B20: dispatches again every pending sync call with no dispatch scheduled and no live execution,
 * not before its next retry time. Returns how many were re-dispatched.
 *
 * Replicas may run this at the same time (each one's start-up pass, the shared periodic job, the
 * AdminService RPC): each re-dispatch is a conditional update in a transaction that locks the
 * thread, taken only if the call is unchanged since it was listed, and it marks the call queued.
 * A pass that listed the call before another pass re-dispatched it then skips it, and one that
 * lists it afterwards sees it handed off moments ago (tool-execution-liveness.ts), so one attempt
 * is never sent twice by two passes.
 */
export async function resumePendingToolExecutions(context: EngineContext): Promise<number> {
  let redispatched = 0;
  let after: { threadId: string; toolCallId: string } | undefined;
  for (;;) {
    const page = await context.store.listPendingSyncToolCalls(after, PAGE_SIZE);
    for (const listed of page) {
      if (hasLiveExecution(context, listed, context.now())) continue;
      const done = await mutate(context, async (tx, changes) => {
        // A row lock on PostgreSQL: another replica's pass over the same call waits here.
        await tx.lockThread(listed.threadId);
        const call = await tx.getToolCall(listed.threadId, listed.toolCallId);
        // Changed since listed (re-dispatched by another pass, a runner reported, it finished):
        // the listing no longer tells whether it needs a dispatch; a later pass will look again.
        if (call?.status !== "pending" || call.updatedAt !== listed.updatedAt) return false;
        return redispatchUnlessScheduled(context, tx, changes, call);
      });
      if (done) redispatched += 1;
    }
    const last = page.at(-1);
    after =
      last === undefined ? undefined : { threadId: last.threadId, toolCallId: last.toolCallId };
    if (page.length < PAGE_SIZE) return redispatched;
  }
}

/**
 * Schedules the dispatch of the call's current attempt (at its next retry time at the earliest),
 * unless one is scheduled already, and marks the call handed off: the runner presumed dead no
 * longer holds it (X9), and the change of the call is what concurrent passes check.
 */
async function redispatchUnlessScheduled(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  call: ToolCallRecord,
): Promise<boolean> {
  const key = dispatchKey(call.threadId, call.toolCallId, call.attempt);
  if ((await tx.findJob(JOB.dispatchTool, key)) !== undefined) return false;
  const now = context.now();
  const runAt = Math.max(now, call.nextRetryAt ?? now);
  const requeued = await tx.updateToolCall(
    call.threadId,
    call.toolCallId,
    {
      executionState: runAt > now ? "retry_scheduled" : "queued",
      runnerId: null,
      lastHeartbeatAt: null,
    },
    now,
  );
  changes.emit(call.threadId, {
    type: "tool_call",
    toolCall: requeued,
  });
  await scheduleDispatch(context, tx, changes, requeued, runAt);
  return true;
}
