// Adding messages to a thread: user prompts (B1, B12, B13), whole messages (B14), queued messages
// (X3). A new user message starts a new tool loop, so the loop's turn count restarts.
import type { MessageRecord, ThreadRecord } from "../store/records.js";
import type { QueuedMessageRecord, StoreTransaction } from "../store/store.js";
import type { EngineContext } from "./context.js";
import { updateThread } from "./thread-transitions.js";
import type { Changes } from "./unit-of-work.js";

/** A message as a caller supplies it; the server assigns what is missing. */
export type NewMessage = QueuedMessageRecord["message"];

export function userTextMessage(context: EngineContext, text: string): NewMessage {
  return {
    messageId: context.newId(),
    role: "user",
    parts: [{ type: "text", text }],
    metadata: undefined,
    usage: null,
    createdAt: context.now(),
  };
}

/**
 * Takes the thread's queued messages off the queue, in order (X3). `thread` is the thread as read
 * under its lock in this transaction: its count of queued messages is then exact, and a thread
 * with none needs no statement.
 */
export async function takeQueuedMessages(
  tx: StoreTransaction,
  thread: ThreadRecord,
): Promise<QueuedMessageRecord[]> {
  return thread.queuedMessageCount === 0 ? [] : tx.takeQueuedMessages(thread.threadId);
}

/** Appends messages in order; returns the stored records. */
export async function appendMessages(
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  messages: readonly NewMessage[],
): Promise<MessageRecord[]> {
  const stored: MessageRecord[] = [];
  for (const message of messages) {
    const record = await tx.appendMessage({
      ...message,
      threadId: thread.threadId,
      committedSeq: 0,
    });
    stored.push(record);
    changes.emit(thread.threadId, {
      type: "message",
      message: record,
    });
  }
  return stored;
}

/** Appends user messages and restarts the loop's turn count (maxSteps counts per loop). */
export async function appendUserMessages(
  context: EngineContext,
  tx: StoreTransaction,
  changes: Changes,
  thread: ThreadRecord,
  messages: readonly NewMessage[],
): Promise<ThreadRecord> {
  if (messages.length === 0) return thread;
  const updated = await updateThread(context, tx, changes, thread, { loopTurnCount: 0 });
  await appendMessages(tx, changes, updated, messages);
  return updated;
}
