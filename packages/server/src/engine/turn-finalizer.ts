// The end of a turn (B7, B8, X2, X3): commits the assistant message, picks the thread's next
// status, finishes the stream and continues the thread when asked to — only while the turn still
// owns the thread's active stream.
import {
  checkFinalize,
  decideEndOfTurn,
  recordStaleFinalizer,
  type StaleFinalizerCounter,
} from "@durable-agents/core";
import type { UIMessage } from "ai";
import type {
  DeltaRecord,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  Usage,
} from "../store/records.js";
import type { StoreTransaction } from "../store/store.js";
import type { AgentDefinition, EngineContext } from "./context.js";
import { appendUserMessages, takeQueuedMessages } from "./messages.js";
import { applyToolOutcomes, awaitsToolOutcomes, finishedToolCalls } from "./model-messages.js";
import {
  continueThread,
  planThread,
  runHook,
  toStreamSnapshot,
  updateThread,
  writePlannedThread,
} from "./thread-transitions.js";
import type { TurnOutcome } from "./turn-runner.js";
import { type Changes, mutate } from "./unit-of-work.js";
import { addUsage, toUsage, ZERO_USAGE } from "./usage.js";

export interface FinishedTurn {
  thread: ThreadRecord;
  stream: StreamRecord;
  lockId: string;
  agent: AgentDefinition;
  /** The thread's messages the turn started from (TakenTurn.messages). */
  messages: readonly MessageRecord[];
  outcome: TurnOutcome;
}

/** Stale finalizers seen by this process, per thread (B8). */
let staleFinalizers: StaleFinalizerCounter = new Map();

/** Saves the turn's message with the outcomes of its finished tool calls applied (B4, B7). */
async function saveTurnMessage(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  turn: FinishedTurn,
  message: UIMessage,
  usage: Usage | null,
): Promise<MessageRecord> {
  // The AI SDK gives the answer a new id unless it continues the turn's last assistant message:
  // a new id is stored nowhere yet, and needs no read.
  const continued = turn.messages.some((started) => started.messageId === message.id);
  const existing = continued ? await tx.getMessage(turn.thread.threadId, message.id) : undefined;
  const draft: MessageRecord = {
    threadId: turn.thread.threadId,
    messageId: message.id,
    role: "assistant",
    parts: message.parts,
    metadata:
      message.metadata === undefined
        ? existing?.metadata
        : (message.metadata as MessageRecord["metadata"]),
    committedSeq: turn.stream.seq,
    position: existing?.position ?? 0,
    usage:
      usage === null ? (existing?.usage ?? null) : addUsage(existing?.usage ?? ZERO_USAGE, usage),
    createdAt: existing?.createdAt ?? context.now(),
  };
  // B4: the calls that already finished give their parts their outcomes.
  const [withOutcomes] = awaitsToolOutcomes([draft])
    ? applyToolOutcomes([draft], await finishedToolCalls(tx, turn.thread.threadId))
    : [];
  const record = withOutcomes ?? draft;
  // The thread is locked: a message not there at the read (or new, unread) is not there now.
  const saved =
    existing === undefined ? await tx.appendMessage(record) : await tx.saveMessage(record);
  changes.emit(turn.thread.threadId, { type: "message", message: saved });
  return saved;
}

/**
 * Ends the turn's stream as finished (B7), its last deltas placed by the same update (B5); the
 * stream sweep deletes it later.
 */
async function finishStream(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  stream: StreamRecord,
  lastDeltas: readonly DeltaRecord[],
): Promise<void> {
  const finished = await tx.updateStream(
    stream.streamId,
    { status: "finished", endedAt: context.now() },
    lastDeltas,
  );
  changes.emit(stream.threadId, { type: "stream_state", stream: finished });
}

/**
 * Finalizes a turn that streamed to its end (B7, B8). A finalizer whose stream is no longer the
 * thread's active stream with the expected seq is stale: ignored, logged and counted. Returns
 * whether the turn was finalized.
 */
export async function finalizeTurn(
  context: EngineContext,
  turn: FinishedTurn & {
    /** The turn's deltas not written yet (DeltaWriter.drain): they commit before the answer. */
    lastDeltas: readonly DeltaRecord[];
  },
): Promise<boolean> {
  const { thread, stream, lockId, agent, outcome } = turn;
  return mutate(context, async (tx, changes) => {
    const current = await tx.lockThread(thread.threadId);
    if (current === undefined) return false;
    const active =
      current.activeStreamId === null ? undefined : await tx.getStream(current.activeStreamId);
    const check = checkFinalize(
      {
        activeStream: active === undefined ? undefined : toStreamSnapshot(active),
        continueFlag: current.continueFlag,
      },
      { streamId: stream.streamId, expectedSeq: stream.seq },
    );
    if (check.kind === "stale" || active?.lockId !== lockId || active.status !== "streaming") {
      noteStaleFinalizer(
        context,
        thread.threadId,
        check.kind === "stale" ? check.reason : "not_owner",
      );
      return false;
    }
    // Heard before the answer and the stream's end, which counts them; written with the end.
    for (const delta of turn.lastDeltas) changes.emit(thread.threadId, { type: "delta", delta });
    // The turn runner finalizes only turns whose streamText called onFinish (B24).
    const usage = outcome.usage === undefined ? ZERO_USAGE : toUsage(outcome.usage);
    const message =
      outcome.responseMessage === undefined
        ? undefined
        : await saveTurnMessage(context, tx, changes, turn, outcome.responseMessage, usage);
    const end = decideEndOfTurn({
      recordedToolCallCount: outcome.recordedToolCallCount,
      finishReason: outcome.finishReason as Parameters<typeof decideEndOfTurn>[0]["finishReason"],
    });
    const ended = planThread(current, {
      status: end.status,
      activeStreamId: null,
      continueFlag: false,
      retryState: null,
      usage: addUsage(current.usage, usage),
    });
    // B8: a continue that arrived while the turn ran (e.g. its last tool call finished, B19)
    // happens now; so does the next step of a loop whose tools the provider ran itself (B7).
    const continueNow = check.continueAfter || end.kind === "continue";
    let updated: ThreadRecord;
    if (end.kind === "complete") {
      updated = await writePlannedThread(context, tx, changes, ended);
      await finishStream(context, tx, changes, stream, turn.lastDeltas);
      // X3 ENQUEUE: messages sent while the loop ran start the next loop once it completes.
      const queued = await takeQueuedMessages(tx, updated);
      if (queued.length > 0) {
        updated = await appendUserMessages(
          context,
          tx,
          changes,
          updated,
          queued.map((entry) => entry.message),
        );
      }
      if (queued.length > 0 || continueNow) {
        updated = (await continueThread(context, tx, changes, updated)).thread;
      }
    } else {
      // The turn's end and what follows it are one update of the thread, after the stream's end
      // (so watchers hear of it before the next stream).
      await finishStream(context, tx, changes, stream, turn.lastDeltas);
      updated = continueNow
        ? (await continueThread(context, tx, changes, ended)).thread
        : await writePlannedThread(context, tx, changes, ended);
    }
    if (message !== undefined) {
      const hooks = { ...context.hooks, ...agent.hooks };
      const finalThread = updated;
      changes.afterCommit(() => {
        if (hooks.onMessageComplete)
          runHook(context, "onMessageComplete", () =>
            hooks.onMessageComplete?.({ thread: finalThread, message }),
          );
        if (hooks.onUsage)
          runHook(context, "onUsage", () =>
            hooks.onUsage?.({ thread: finalThread, messageId: message.messageId, usage }),
          );
        if (end.kind === "complete" && hooks.onTurnComplete) {
          runHook(context, "onTurnComplete", () =>
            hooks.onTurnComplete?.({ thread: finalThread, message }),
          );
        }
      });
    }
    return true;
  });
}

function noteStaleFinalizer(context: EngineContext, threadId: string, reason: string): void {
  const record = recordStaleFinalizer(staleFinalizers, threadId, context.now());
  staleFinalizers = record.counter;
  // The turn's logger names its thread and stream.
  context.logger.warn({ reason, countInWindow: record.countInWindow }, "stale finalizer ignored");
  if (record.shouldAlert) {
    context.logger.error(
      { countInWindow: record.countInWindow },
      "repeated stale finalizers on one thread",
    );
  }
}

/**
 * A turn stopped by its stream's abort (X2): when StopThread aborted it, what was streamed is kept
 * as a partial assistant message. An INTERRUPT message waiting for this stop runs next (X3).
 */
export async function saveStoppedTurn(context: EngineContext, turn: FinishedTurn): Promise<void> {
  await mutate(context, async (tx, changes) => {
    const current = await tx.lockThread(turn.thread.threadId);
    const stream = await tx.getStream(turn.stream.streamId);
    if (current === undefined || stream === undefined || stream.lockId !== turn.lockId) return;
    if (stream.status !== "aborted" || stream.abortReason !== "stopSignal") return;
    // The thread was restarted (ResumeThread, SendMessage) before this partial could be saved: a
    // newer turn answers the conversation now, so the partial would land after its user message,
    // or be continued by that turn as its own (B12: a restart answers the user's last message).
    const newerTurn = (await tx.listStreams(current.threadId)).some(
      (other) => other.kind === "turn" && other.seq > stream.seq,
    );
    const message = turn.outcome.responseMessage;
    if (newerTurn) {
      context.logger.info(
        { threadId: current.threadId, streamId: stream.streamId },
        "stopped turn's partial answer dropped: the thread was restarted first",
      );
    } else if (message !== undefined && hasContent(message)) {
      await saveTurnMessage(context, tx, changes, turn, message, null);
    }
    await runQueuedAfterInterrupt(context, tx, changes, current);
  });
}

function hasContent(message: UIMessage): boolean {
  return message.parts.some((part) => part.type !== "step-start");
}

/**
 * X3 INTERRUPT: the message that interrupted the loop waits in the queue until the stopped turn
 * saved its partial message, so the conversation keeps its order; then it runs, after the ENQUEUE
 * messages sent before it. A plain StopThread leaves ENQUEUE messages queued for the next
 * SendMessage or ResumeThread.
 */
export async function runQueuedAfterInterrupt(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
): Promise<void> {
  if (thread.status !== "stopped" || thread.queuedMessageCount === 0) return;
  const waiting = await tx.listQueuedMessages(thread.threadId);
  if (!waiting.some((entry) => entry.busyPolicy === "interrupt")) return;
  const queued = await takeQueuedMessages(tx, thread);
  if (queued.length === 0) return;
  const withMessages = await appendUserMessages(
    context,
    tx,
    changes,
    thread,
    queued.map((entry) => entry.message),
  );
  // The stopped thread restarts for the interrupting message (B12: its last message is the user's).
  const restarted = await updateThread(context, tx, changes, withMessages, {
    stopSignal: false,
    status: "streaming",
  });
  await continueThread(context, tx, changes, restarted);
}
