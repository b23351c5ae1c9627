// Writes records in their own transactions, for tests whose subject is not the write itself.
import type {
  DeltaRecord,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
} from "../records.js";
import type { Store } from "../store.js";
import {
  deltaRecord,
  messageRecord,
  type NewMessage,
  streamRecord,
  threadRecord,
  toolCallRecord,
} from "./fixtures.js";

export async function seedThread(
  store: Store,
  overrides: Partial<ThreadRecord> = {},
): Promise<ThreadRecord> {
  const thread = threadRecord(overrides);
  await store.transaction((tx) => tx.insertThread(thread));
  return thread;
}

export async function seedMessages(
  store: Store,
  threadId: string,
  messages: readonly Partial<NewMessage>[],
): Promise<MessageRecord[]> {
  return store.transaction(async (tx) => {
    const appended: MessageRecord[] = [];
    for (const overrides of messages) {
      appended.push(await tx.appendMessage(messageRecord(threadId, overrides)));
    }
    return appended;
  });
}

/** A stream with `deltaCount` deltas appended. */
export async function seedStream(
  store: Store,
  threadId: string,
  seq: number,
  deltaCount: number,
): Promise<{ stream: StreamRecord; deltas: DeltaRecord[] }> {
  const stream = streamRecord(threadId, seq);
  const deltas = Array.from({ length: deltaCount }, (_, deltaSeq) => deltaRecord(stream, deltaSeq));
  await store.transaction(async (tx) => {
    await tx.insertStream(stream);
    for (const delta of deltas) await tx.updateStream(stream.streamId, {}, [delta]);
  });
  return { stream: { ...stream, deltaCount }, deltas };
}

export async function seedToolCall(
  store: Store,
  threadId: string,
  overrides: Partial<ToolCallRecord> = {},
): Promise<ToolCallRecord> {
  const call = toolCallRecord(threadId, overrides);
  await store.transaction((tx) => tx.insertToolCall(call));
  return call;
}

/** Resolves to what the promise rejected with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** The item at `index`; fails the test when the list is shorter. */
export function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an item at index ${index} of ${items.length}`);
  return item;
}
