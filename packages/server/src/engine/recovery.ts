// Recovery (B20): continue every thread whose loop should be running, and re-dispatch every
// pending sync tool call that has no live execution. Run at start-up, periodically, and on demand
// through AdminService.
import type { EngineContext } from "./context.js";
import { dispatchKey, JOB } from "./jobs.js";
import { continueThread } from "./thread-transitions.js";
import { scheduleDispatch } from "./tool-calls.js";
import { mutate } from "./unit-of-work.js";

const PAGE_SIZE = 200;

/**
 * A runner that reported no progress for this long has lost its execution; a call it held is
 * re-dispatched (JetStream redelivers on its own; this catches what NATS lost).
 */
export const RUNNER_SILENCE_LIMIT_MS = 60_000;

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
 */
export async function releaseOrphanedToolExecutions(context: EngineContext): Promise<void> {
  let after: { threadId: string; toolCallId: string } | undefined;
  for (;;) {
    const page = await context.store.listPendingSyncToolCalls(after, PAGE_SIZE);
    for (const listed of page) {
      const { runnerId } = listed;
      if (runnerId === null || listed.lastHeartbeatAt === null) continue;
      if (!context.transport.isInProcessRunner(runnerId)) continue;
      await mutate(context, async (tx) => {
        const call = await tx.getToolCall(listed.threadId, listed.toolCallId);
        if (call?.status !== "pending" || call.runnerId !== runnerId) return;
        await tx.updateToolCall(
          call.threadId,
          call.toolCallId,
          { lastHeartbeatAt: null },
          context.now(),
        );
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
 */
export async function resumePendingToolExecutions(context: EngineContext): Promise<number> {
  let redispatched = 0;
  let after: { threadId: string; toolCallId: string } | undefined;
  for (;;) {
    const page = await context.store.listPendingSyncToolCalls(after, PAGE_SIZE);
    for (const listed of page) {
      const now = context.now();
      if (context.transport.isExecutingLocally(listed.threadId, listed.toolCallId)) continue;
      if (listed.lastHeartbeatAt !== null && now - listed.lastHeartbeatAt < RUNNER_SILENCE_LIMIT_MS)
        continue;
      const done = await mutate(context, async (tx, changes) => {
        const call = await tx.getToolCall(listed.threadId, listed.toolCallId);
        if (call === undefined || call.status !== "pending") return false;
        const key = dispatchKey(call.threadId, call.toolCallId, call.attempt);
        if ((await tx.findJob(JOB.dispatchTool, key)) !== undefined) return false;
        await scheduleDispatch(context, tx, changes, call, Math.max(now, call.nextRetryAt ?? now));
        return true;
      });
      if (done) redispatched += 1;
    }
    const last = page.at(-1);
    after =
      last === undefined ? undefined : { threadId: last.threadId, toolCallId: last.toolCallId };
    if (page.length < PAGE_SIZE) return redispatched;
  }
}
