// The thread RPCs' behaviour (B1, B10–B14, B21, X3): each is one transaction that checks the
// rules of @durable-agents/core, changes the thread and continues it (B2) when it should.

import type { AdmissionRefusal } from "@durable-agents/core";
import {
  type BusyPolicy,
  checkAddMessage,
  checkResume,
  checkSendMessage,
  isIdleStatus,
  isStreamAlive,
} from "@durable-agents/core";
import type { JsonObject, MessageRecord, ThreadRecord } from "../store/records.js";
import type { StoreTransaction, ThreadListPosition } from "../store/store.js";
import type { EngineContext } from "./context.js";
import {
  InvalidArgumentError,
  NothingToResumeError,
  RetryPendingError,
  ThreadBusyError,
  ThreadNotFoundError,
} from "./errors.js";
import { JOB } from "./jobs.js";
import {
  appendMessages,
  appendUserMessages,
  type NewMessage,
  takeQueuedMessages,
  userTextMessage,
} from "./messages.js";
import { streamAliveThresholdMs } from "./stream-timings.js";
import {
  abortStreams,
  continueThread,
  planThread,
  readThreadFacts,
  toStreamSnapshot,
  updateThread,
} from "./thread-transitions.js";
import {
  CANCELLED_BY_INTERRUPT,
  cancelPendingCalls,
  cancelPendingSyncCalls,
} from "./tool-calls.js";
import { runQueuedAfterInterrupt } from "./turn-finalizer.js";
import { type Changes, mutate } from "./unit-of-work.js";
import { ZERO_USAGE } from "./usage.js";

/** Who is calling: a principal's name, or null when authentication is off. */
export type Owner = string | null;

export interface CreateThreadInput {
  agent: string;
  prompt?: string;
  messages: readonly NewMessage[];
  autoStart: boolean;
  metadata: JsonObject;
  owner: Owner;
}

async function lockOwnedThread(
  tx: StoreTransaction,
  threadId: string,
  owner: Owner,
): Promise<ThreadRecord> {
  const thread = await tx.lockThread(threadId);
  // Another principal's thread is reported as missing: its existence is not revealed (X5).
  if (thread === undefined || thread.owner !== owner) throw new ThreadNotFoundError(threadId);
  return thread;
}

const admissionView = (thread: ThreadRecord) => ({
  status: thread.status,
  retryState: thread.retryState ?? undefined,
});

function refusalError(threadId: string, refusal: AdmissionRefusal): Error {
  switch (refusal.reason) {
    case "retry_pending":
      return new RetryPendingError(threadId, refusal.message);
    case "thread_busy":
      return new ThreadBusyError(threadId, refusal.message);
    case "no_user_message":
      return new NothingToResumeError(threadId, refusal.message);
  }
}

/** B1: a new thread is idle; with a prompt, or autoStart, its first turn starts at once. */
export async function createThread(
  context: EngineContext,
  input: CreateThreadInput,
): Promise<ThreadRecord> {
  if (context.getAgent(input.agent) === undefined) {
    throw new InvalidArgumentError([
      { field: "agent", description: `unknown agent "${input.agent}"` },
    ]);
  }
  const now = context.now();
  return mutate(context, async (tx, changes) => {
    const thread: ThreadRecord = {
      threadId: context.newId(),
      agent: input.agent,
      owner: input.owner,
      status: "completed",
      stopSignal: false,
      activeStreamId: null,
      continueFlag: false,
      retryState: null,
      failure: null,
      seq: 0,
      version: 1,
      loopTurnCount: 0,
      usage: ZERO_USAGE,
      metadata: input.metadata,
      createdAt: now,
      updatedAt: now,
      queuedMessageCount: 0,
    };
    await tx.insertThread(thread);
    changes.emit(thread.threadId, { type: "thread", thread });
    await appendMessages(tx, changes, thread, input.messages);
    let created = thread;
    if (input.prompt !== undefined) {
      created = await appendUserMessages(context, tx, changes, created, [
        userTextMessage(context, input.prompt),
      ]);
    }
    if (input.prompt !== undefined || input.autoStart) {
      created = (await continueThread(context, tx, changes, created)).thread;
    }
    return created;
  });
}

export async function getThread(
  context: EngineContext,
  threadId: string,
  owner: Owner,
): Promise<ThreadRecord> {
  const thread = await context.store.getThread(threadId);
  if (thread === undefined || thread.owner !== owner) throw new ThreadNotFoundError(threadId);
  return thread;
}

export function listThreads(
  context: EngineContext,
  query: {
    owner: Owner;
    agent?: string;
    statuses?: ThreadRecord["status"][];
    after?: ThreadListPosition;
    limit: number;
  },
): Promise<ThreadRecord[]> {
  return context.store.listThreads(query);
}

/** B21: removes the thread with everything it owns; a running turn is aborted first. */
export async function deleteThread(
  context: EngineContext,
  threadId: string,
  owner: Owner,
): Promise<void> {
  await mutate(context, async (tx, changes) => {
    await lockOwnedThread(tx, threadId, owner);
    const open = await tx.listStreams(threadId, ["pending", "streaming"]);
    await abortStreams(
      context,
      tx,
      changes,
      threadId,
      open.map((stream) => ({ streamId: stream.streamId, reason: "deleted" as const })),
    );
    const pending = await tx.listToolCalls(threadId, { statuses: ["pending"], limit: 10_000 });
    await tx.deleteThread(threadId);
    changes.emit(threadId, { type: "deleted", threadId });
    changes.afterCommit(() => {
      for (const call of pending) {
        context.transport
          .cancel({
            threadId,
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            attempt: call.attempt,
            reason: "thread deleted",
          })
          .catch((error: unknown) =>
            context.logger.warn({ err: error, threadId }, "cancel failed"),
          );
      }
    });
  });
}

export interface SendMessageResult {
  thread: ThreadRecord;
  message: NewMessage;
  enqueued: boolean;
}

/** B13 with X3: refused while a retry is pending; `onBusy` decides what a busy thread does. */
export async function sendMessage(
  context: EngineContext,
  input: { threadId: string; owner: Owner; message: NewMessage; onBusy: BusyPolicy },
): Promise<SendMessageResult> {
  return mutate(context, async (tx, changes) => {
    const thread = await lockOwnedThread(tx, input.threadId, input.owner);
    const admission = checkSendMessage(admissionView(thread), input.onBusy);
    switch (admission.kind) {
      case "refuse":
        throw refusalError(thread.threadId, admission);
      case "enqueue": {
        await tx.enqueueMessage({
          threadId: thread.threadId,
          message: input.message,
          enqueuedAt: context.now(),
          busyPolicy: "enqueue",
        });
        // The queue is part of the thread (queued_message_count): watchers see it grow.
        const updated = await updateThread(context, tx, changes, thread, {});
        return { thread: updated, message: input.message, enqueued: true };
      }
      case "interrupt":
        return {
          thread: await interrupt(context, tx, changes, thread, input.message),
          message: input.message,
          enqueued: true,
        };
      case "accept": {
        // Messages left queued by a stop run first, in the order they were sent.
        const queued = (await takeQueuedMessages(tx, thread)).map((entry) => entry.message);
        await appendMessages(tx, changes, thread, [...queued, input.message]);
        return {
          thread: await resumeAndContinue(context, tx, changes, thread, input.message.role),
          message: input.message,
          enqueued: false,
        };
      }
    }
  });
}

/**
 * X3 INTERRUPT: stops the running loop (B11) and queues the message. It runs as soon as the
 * stopped turn saved its partial answer, or at once when no live turn is there to save one.
 */
async function interrupt(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  message: NewMessage,
): Promise<ThreadRecord> {
  const active =
    thread.activeStreamId === null ? undefined : await tx.getStream(thread.activeStreamId);
  const turnWillSave =
    active !== undefined &&
    isStreamAlive(toStreamSnapshot(active), context.now(), streamAliveThresholdMs(context.timings));
  await tx.enqueueMessage({
    threadId: thread.threadId,
    message,
    enqueuedAt: context.now(),
    busyPolicy: "interrupt",
  });
  // The interrupted loop's async calls would hold the message back (B2: pending calls → no
  // turn) until answers nobody waits for anymore arrive; they fail like StopThread's sync ones.
  await cancelPendingCalls(context, tx, changes, thread, {
    kinds: ["async"],
    errorText: CANCELLED_BY_INTERRUPT,
  });
  const stopped = await stop(context, tx, changes, thread);
  if (!turnWillSave) await runQueuedAfterInterrupt(context, tx, changes, stopped);
  return (await tx.getThread(thread.threadId)) ?? stopped;
}

/** B14: adds a message without starting a turn; refused while the thread is busy. */
export async function addMessage(
  context: EngineContext,
  input: { threadId: string; owner: Owner; message: NewMessage },
): Promise<{ thread: ThreadRecord; message: MessageRecord }> {
  return mutate(context, async (tx, changes) => {
    const thread = await lockOwnedThread(tx, input.threadId, input.owner);
    const admission = checkAddMessage(admissionView(thread));
    if (admission.kind === "refuse") throw refusalError(thread.threadId, admission);
    const [message] = await appendMessages(tx, changes, thread, [input.message]);
    if (message === undefined) throw new Error("appendMessages returned no message");
    return { thread: (await tx.getThread(thread.threadId)) ?? thread, message };
  });
}

/** B12: with a prompt adds it; without one requires an idle thread whose last message is the user's. */
export async function resumeThread(
  context: EngineContext,
  input: { threadId: string; owner: Owner; prompt?: string },
): Promise<ThreadRecord> {
  return mutate(context, async (tx, changes) => {
    const thread = await lockOwnedThread(tx, input.threadId, input.owner);
    const last = await tx.getLastMessage(thread.threadId);
    const admission = checkResume(admissionView(thread), {
      hasPrompt: input.prompt !== undefined,
      lastMessageRole: last?.role,
    });
    if (admission.kind === "refuse") throw refusalError(thread.threadId, admission);
    const queued = (await takeQueuedMessages(tx, thread)).map((entry) => entry.message);
    const prompt = input.prompt === undefined ? [] : [userTextMessage(context, input.prompt)];
    const added = [...queued, ...prompt];
    await appendMessages(tx, changes, thread, added);
    return resumeAndContinue(context, tx, changes, thread, (added.at(-1) ?? last)?.role);
  });
}

/**
 * Resuming (B12, B13): clears the stop signal and restarts the loop's turn count (a new user
 * message starts a new loop); an idle thread whose last message is the user's becomes streaming
 * again (a stopped thread would otherwise stay stopped, B2); then continues. The caller knows the
 * role of the thread's last message: it just read or appended it.
 */
async function resumeAndContinue(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  lastMessageRole: MessageRecord["role"] | undefined,
): Promise<ThreadRecord> {
  const restart = isIdleStatus(thread.status) && lastMessageRole === "user";
  // Read once: the restart status below and the continue decide on the same facts.
  const facts = await readThreadFacts(tx, thread);
  // A stopped loop's async calls stay pending (B11) and no turn starts before they finish (B2);
  // the thread then truly awaits them, and their last outcome continues it (B19).
  const restartStatus =
    facts.pendingToolCallCount > 0 ? ("awaiting_tool_results" as const) : ("streaming" as const);
  // Written with what the continue decides: one update of the thread.
  const resumed = planThread(thread, {
    stopSignal: false,
    loopTurnCount: 0,
    ...(restart ? { status: restartStatus, failure: null } : {}),
  });
  return (await continueThread(context, tx, changes, resumed, { facts })).thread;
}

/** B11 within a transaction: stop signal, retry cleared, sync executions cancelled, stop applied (B2). */
async function stop(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
): Promise<ThreadRecord> {
  const signalled = await updateThread(context, tx, changes, thread, {
    stopSignal: true,
    retryState: null,
  });
  await tx.cancelJobs([{ type: JOB.retryTurn, key: thread.threadId }]);
  await cancelPendingSyncCalls(context, tx, changes, signalled);
  return (await continueThread(context, tx, changes, signalled)).thread;
}

/** B10, B11, X2: StopThread. */
export async function stopThread(
  context: EngineContext,
  threadId: string,
  owner: Owner,
): Promise<ThreadRecord> {
  return mutate(context, async (tx, changes) =>
    stop(context, tx, changes, await lockOwnedThread(tx, threadId, owner)),
  );
}

export async function listMessages(
  context: EngineContext,
  input: {
    threadId: string;
    owner: Owner;
    afterPosition?: number;
    includeSystem: boolean;
    limit: number;
  },
): Promise<MessageRecord[]> {
  await getThread(context, input.threadId, input.owner);
  return context.store.listMessages(input.threadId, {
    afterPosition: input.afterPosition,
    includeSystem: input.includeSystem,
    limit: input.limit,
  });
}
