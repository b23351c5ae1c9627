// The state changes every engine operation shares, applied inside a transaction: reading the
// snapshot the core rules decide on, aborting streams, applying the stop signal and continuing a
// thread (B2). The decisions themselves are pure functions of @durable-agents/core.
import {
  type ContinueDecision,
  decideContinue,
  type StreamAbort,
  type StreamSnapshot,
  type ThreadSnapshot,
} from "@durable-agents/core";
import { withTraceContext } from "../observability/tracing.js";
import type { StreamRecord, ThreadRecord } from "../store/records.js";
import type { StoreTransaction, ThreadPatch } from "../store/store.js";
import type { EngineContext } from "./context.js";
import { JOB, turnJobKey } from "./jobs.js";
import { readTurnMessages } from "./model-messages.js";
import { streamAliveThresholdMs } from "./stream-timings.js";
import { type Changes, scheduleJob } from "./unit-of-work.js";

/** A lock id of this process (B3): a turn of another process, or an earlier one, has another. */
export function newTurnLockId(context: EngineContext): string {
  return `${context.instanceId}:${context.newId()}`;
}

export function toStreamSnapshot(stream: StreamRecord): StreamSnapshot {
  return {
    id: stream.streamId,
    status: stream.status,
    seq: stream.seq,
    heartbeatAt: stream.heartbeatAt ?? undefined,
    lockId: stream.lockId ?? undefined,
  };
}

/** What a thread's rules read from the store besides the thread row (readThreadFacts). */
export interface ThreadFacts {
  openStreams: StreamRecord[];
  activeStream: StreamRecord | undefined;
  pendingToolCallCount: number;
}

/**
 * Reads the thread's open streams, its active stream and its pending tool calls, inside the
 * transaction. They depend on the thread's id and active stream only, so a caller that changes
 * other fields in memory (`planThread`) can read them first and decide with them.
 */
export async function readThreadFacts(
  tx: StoreTransaction,
  thread: ThreadRecord,
): Promise<ThreadFacts> {
  const { openStreams, pendingToolCallCount } = await tx.readThreadActivity(thread.threadId);
  const activeId = thread.activeStreamId;
  // An active stream that is still open was read with the open ones.
  const activeStream =
    activeId === null
      ? undefined
      : (openStreams.find((stream) => stream.streamId === activeId) ??
        (await tx.getStream(activeId)));
  return { openStreams, activeStream, pendingToolCallCount };
}

/** What the thread rules of @durable-agents/core decide on: the thread with its facts. */
export async function readThreadSnapshot(
  tx: StoreTransaction,
  thread: ThreadRecord,
  facts?: ThreadFacts,
): Promise<ThreadSnapshot> {
  const { openStreams, activeStream, pendingToolCallCount } =
    facts ?? (await readThreadFacts(tx, thread));
  return {
    status: thread.status,
    stopSignal: thread.stopSignal,
    seq: thread.seq,
    continueFlag: thread.continueFlag,
    retryState:
      thread.retryState === null ? undefined : { nextRetryAt: thread.retryState.nextRetryAt },
    activeStream: activeStream === undefined ? undefined : toStreamSnapshot(activeStream),
    pendingToolCallCount,
    otherOpenStreams: openStreams
      .filter((stream) => stream.streamId !== thread.activeStreamId)
      .map(toStreamSnapshot),
  };
}

/** Updates the thread and queues its event (and the status-change hook after the commit). */
export async function updateThread(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  before: ThreadRecord,
  patch: ThreadPatch,
): Promise<ThreadRecord> {
  const after = await tx.updateThread(before.threadId, patch, context.now());
  changes.emit(after.threadId, { type: "thread", thread: after });
  if (after.status !== before.status) {
    const hook =
      context.getAgent(after.agent)?.hooks.onStatusChange ?? context.hooks.onStatusChange;
    if (hook !== undefined) {
      changes.afterCommit(() =>
        runHook(context, "onStatusChange", () =>
          hook({ thread: after, previousStatus: before.status }),
        ),
      );
    }
  }
  return after;
}

/**
 * Runs a hook after the commit. A hook that throws is logged: it cannot undo the change it
 * observes.
 */
export function runHook(context: EngineContext, name: string, call: () => unknown): void {
  Promise.resolve()
    .then(call)
    .catch((error: unknown) => context.logger.error({ err: error, hook: name }, "hook failed"));
}

/**
 * Why the engine aborts a stream: a reason of the thread rules (B2, B3), or "error" for a failed
 * turn (B9), "deleted" for a deleted thread (B21) and "forced" for ForceFailThread (X10).
 */
export type AbortReason = StreamAbort["reason"] | "error" | "deleted" | "forced";

/** Aborts streams (B2, B3, B9, B11); the stream sweep deletes them later (B7). */
export async function abortStreams(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  threadId: string,
  aborts: readonly { streamId: string; reason: AbortReason }[],
): Promise<void> {
  const now = context.now();
  for (const abort of aborts) {
    const stream = await tx.updateStream(abort.streamId, {
      status: "aborted",
      abortReason: abort.reason,
      endedAt: now,
    });
    changes.emit(threadId, { type: "stream_state", stream });
  }
}

/**
 * Applies the stop signal (B2, B11, B19): the thread is stopped, its open streams aborted with
 * reason "stopSignal" (their turns see it and stop, X2), the continue flag, active stream and retry
 * cleared, and the retry timer cancelled.
 */
export async function applyStop(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  aborts: readonly StreamAbort[],
  /** A change of the thread's the caller made in memory, written with the stop (continueThread). */
  pending: ThreadPatch = {},
): Promise<ThreadRecord> {
  const stopped = await updateThread(context, tx, changes, thread, {
    ...pending,
    status: "stopped",
    activeStreamId: null,
    continueFlag: false,
    retryState: null,
  });
  await tx.cancelJobs([{ type: JOB.retryTurn, key: thread.threadId }]);
  await abortStreams(context, tx, changes, thread.threadId, aborts);
  return stopped;
}

/**
 * A change of a thread that a transaction keeps in memory until its next update of the thread,
 * so that the transaction updates the thread row once: the thread as it is stored (`stored`) and
 * as it will be (`planned`), which the rules decide on.
 */
export interface PlannedThread {
  stored: ThreadRecord;
  pending: ThreadPatch;
  planned: ThreadRecord;
}

/** `thread` with `pending` to be written by the next update (see {@link PlannedThread}). */
export function planThread(thread: ThreadRecord, pending: ThreadPatch): PlannedThread {
  return { stored: thread, pending, planned: { ...thread, ...pending } };
}

/** Writes a planned thread's pending change with `patch`, in one update (none when both are empty). */
export async function writePlannedThread(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: PlannedThread,
  patch: ThreadPatch = {},
): Promise<ThreadRecord> {
  const merged = { ...thread.pending, ...patch };
  if (Object.keys(merged).length === 0) return thread.stored;
  return updateThread(context, tx, changes, thread.stored, merged);
}

/**
 * Continues the thread (B2): decides with `decideContinue` and applies the decision. Returns the
 * thread after it, and the decision (for callers that report what happened). A thread given with
 * a pending change (`planThread`) is decided on as it will be, and written once with the decision.
 */
export async function continueThread(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  given: ThreadRecord | PlannedThread,
  options: {
    /** Recovery (B20) leaves turns that are running or queued alone. */
    leaveLiveTurns?: boolean;
    /** The thread's facts, when the caller read them in this transaction (readThreadFacts). */
    facts?: ThreadFacts;
  } = {},
): Promise<{ thread: ThreadRecord; decision: ContinueDecision }> {
  const plan = "planned" in given ? given : planThread(given, {});
  const thread = plan.planned;
  const now = context.now();
  const decision = decideContinue(await readThreadSnapshot(tx, thread, options.facts), now, {
    streamAliveThresholdMs: streamAliveThresholdMs(context.timings),
  });
  const write = (patch?: ThreadPatch) => writePlannedThread(context, tx, changes, plan, patch);
  if (options.leaveLiveTurns === true && (await hasLiveTurn(tx, thread, decision))) {
    return { thread: await write(), decision };
  }
  switch (decision.kind) {
    case "stop":
      return {
        thread: await applyStop(
          context,
          tx,
          changes,
          plan.stored,
          decision.abortStreams,
          plan.pending,
        ),
        decision,
      };
    case "noop":
      return { thread: await write(), decision };
    case "rearm_retry_timer":
      await scheduleJob(context, tx, changes, {
        type: JOB.retryTurn,
        threadId: thread.threadId,
        key: thread.threadId,
        payload: {},
        runAt: decision.retryAt,
      });
      return { thread: await write(), decision };
    case "set_continue_flag":
      return {
        thread: await write(thread.continueFlag ? {} : { continueFlag: true }),
        decision,
      };
    case "start_turn":
      return { thread: await startTurn(context, tx, changes, plan, decision), decision };
  }
}

/**
 * Whether the thread's turn is alive or still queued: its stream is heartbeating (the decision
 * would only set the continue flag), or it is pending with its run_turn job not yet ended (queued,
 * or claimed by a replica about to take the stream: the job ends only once the stream is taken).
 */
async function hasLiveTurn(
  tx: StoreTransaction,
  thread: ThreadRecord,
  decision: ContinueDecision,
): Promise<boolean> {
  if (decision.kind === "set_continue_flag") return true;
  if (decision.kind !== "start_turn" || thread.activeStreamId === null) return false;
  const active = await tx.getStream(thread.activeStreamId);
  return (
    active?.status === "pending" &&
    (await tx.findJob(JOB.runTurn, turnJobKey(active.streamId))) !== undefined
  );
}

/**
 * Starts a turn (B2): aborts the streams the decision names, creates the new stream as the
 * thread's active one and enqueues the turn, all in the caller's transaction. A loop that would
 * exceed its agent's maxSteps fails instead.
 */
async function startTurn(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  plan: PlannedThread,
  decision: Extract<ContinueDecision, { kind: "start_turn" }>,
): Promise<ThreadRecord> {
  const thread = plan.planned;
  const now = context.now();
  const maxSteps = context.getAgent(thread.agent)?.maxSteps;
  if (maxSteps !== undefined && thread.loopTurnCount >= maxSteps) {
    await abortStreams(context, tx, changes, thread.threadId, decision.abortStreams);
    return writePlannedThread(context, tx, changes, plan, {
      status: "failed",
      activeStreamId: null,
      continueFlag: false,
      retryState: null,
      failure: {
        error: `The tool loop exceeded the agent's maxSteps (${maxSteps} turns)`,
        kind: "max_steps_exceeded",
        retryable: false,
        requiresExplicitHandling: true,
        attempt: 1,
        maxAttempts: 1,
        providerRetryAfterMs: null,
        outputEmitted: false,
        failedAt: now,
      },
    });
  }
  await abortStreams(context, tx, changes, thread.threadId, decision.abortStreams);
  // B3: with a turn slot free in this process, the stream is created taken (streaming, with this
  // process's lock and a fresh heartbeat) and its turn runs once this transaction commits: no
  // run_turn job, no transaction of its own to take the stream. If the process dies first, the
  // stream is a stale one like that of a turn that died while streaming, and B2 replaces it.
  // Otherwise the stream waits, pending, for its run_turn job to run on any replica.
  const takenHere =
    context.getAgent(thread.agent) !== undefined &&
    context.scheduler.reserve(JOB.runTurn) !== undefined;
  if (takenHere) changes.slotReserved(JOB.runTurn);
  const stream: StreamRecord = {
    streamId: context.newId(),
    threadId: thread.threadId,
    kind: "turn",
    seq: decision.streamSeq,
    status: takenHere ? "streaming" : "pending",
    lockId: takenHere ? newTurnLockId(context) : null,
    heartbeatAt: takenHere ? now : null,
    abortReason: null,
    deltaCount: 0,
    createdAt: now,
    endedAt: null,
  };
  await tx.insertStream(stream);
  const started = await writePlannedThread(context, tx, changes, plan, {
    seq: decision.streamSeq,
    activeStreamId: stream.streamId,
    status: "streaming",
    continueFlag: false,
    failure: null,
    loopTurnCount: thread.loopTurnCount + 1,
  });
  if (takenHere) {
    // Watchers see the B3 lifecycle of every turn's stream, created pending and then taken, both
    // in this transaction.
    const created = { ...stream, status: "pending" as const, lockId: null, heartbeatAt: null };
    changes.emit(thread.threadId, {
      type: "stream_state",
      stream: created,
    });
  }
  changes.emit(thread.threadId, { type: "stream_state", stream });
  if (takenHere) {
    runAfterCommit(context, changes, stream);
    return started;
  }
  await scheduleJob(context, tx, changes, {
    type: JOB.runTurn,
    threadId: thread.threadId,
    key: turnJobKey(stream.streamId),
    // X6: the turn joins the trace of what started it (an RPC, a tool outcome, a retry), on
    // whichever replica runs it.
    payload: withTraceContext(context.tracing, { streamId: stream.streamId }),
    runAt: now,
  });
  return started;
}

/**
 * Hands a stream created taken to its turn (startTurn): at the end of the transaction, with the
 * thread as it commits, the turn reads the messages its model will see (B4); once it commits,
 * the turn runs in the slot reserved for it.
 */
function runAfterCommit(context: EngineContext, changes: Changes, stream: StreamRecord): void {
  const lockId = stream.lockId;
  if (lockId === null) throw new Error(`stream ${stream.streamId} was not created taken`);
  // X6: the turn continues the trace of the work that started it, as a run_turn job would.
  const trace = context.tracing.active();
  const scheduledAt = context.now();
  changes.beforeCommit(async (tx) => {
    // Every write of a thread announces the row it wrote (updateThread), so the last one is the
    // thread as it commits, without reading it again.
    const thread = changes.writtenThread(stream.threadId);
    if (thread === undefined) {
      throw new Error(
        `the transaction that started stream ${stream.streamId} did not write its thread`,
      );
    }
    const agent = context.getAgent(thread.agent);
    // The rest of the transaction moved the thread on; whatever did ended the stream too, and
    // the slot goes back.
    if (thread.activeStreamId !== stream.streamId || agent === undefined) return;
    const turn = {
      thread,
      stream,
      agent,
      lockId,
      messages: await readTurnMessages(tx, thread.threadId),
    };
    changes.useReservedSlot(JOB.runTurn, () => context.runTakenTurn(turn, { scheduledAt, trace }));
  });
}
