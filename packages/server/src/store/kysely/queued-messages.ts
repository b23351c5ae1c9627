// Queries of the queued_messages table: messages waiting for the current tool loop to end (X3).
import type { JsonValue, MessageRecord, Usage } from "../records.js";
import type { QueuedMessageRecord } from "../store.js";
import {
  decodeJson,
  decodeNullableJson,
  decodeOptionalJson,
  encodeJson,
  encodeNullableJson,
  encodeOptionalJson,
} from "./column-codecs.js";
import type { QueuedMessagesTable } from "./database.js";
import type { QueryContext } from "./query-context.js";

function queuedMessageFromRow(row: QueuedMessagesTable): QueuedMessageRecord {
  return {
    threadId: row.thread_id,
    queuePosition: row.queue_position,
    message: {
      messageId: row.message_id,
      role: row.role,
      parts: decodeJson<MessageRecord["parts"]>(row.parts),
      metadata: decodeOptionalJson<JsonValue>(row.metadata),
      usage: decodeNullableJson<Usage>(row.usage),
      createdAt: row.created_at,
    },
    enqueuedAt: row.enqueued_at,
    busyPolicy: row.busy_policy,
  };
}

export async function listQueuedMessages(
  ctx: QueryContext,
  threadId: string,
): Promise<QueuedMessageRecord[]> {
  const rows = await ctx.db
    .selectFrom("queued_messages")
    .selectAll()
    .where("thread_id", "=", threadId)
    .orderBy("queue_position")
    .execute();
  return rows.map(queuedMessageFromRow);
}

/** Queues behind the thread's last queued message; the caller holds the thread's lock. */
export async function enqueueMessage(
  ctx: QueryContext,
  queued: Omit<QueuedMessageRecord, "queuePosition">,
): Promise<QueuedMessageRecord> {
  const last = await ctx.db
    .selectFrom("queued_messages")
    .select("queue_position")
    .where("thread_id", "=", queued.threadId)
    .orderBy("queue_position", "desc")
    .limit(1)
    .executeTakeFirst();
  const queuePosition = last === undefined ? 0 : last.queue_position + 1;
  const { message } = queued;
  await ctx.db
    .insertInto("queued_messages")
    .values({
      thread_id: queued.threadId,
      queue_position: queuePosition,
      message_id: message.messageId,
      role: message.role,
      parts: encodeJson(message.parts),
      metadata: encodeOptionalJson(message.metadata),
      usage: encodeNullableJson(message.usage),
      created_at: message.createdAt,
      enqueued_at: queued.enqueuedAt,
      busy_policy: queued.busyPolicy,
    })
    .execute();
  await ctx.db
    .updateTable("threads")
    .set((eb) => ({ queued_message_count: eb("queued_message_count", "+", 1) }))
    .where("thread_id", "=", queued.threadId)
    .execute();
  return { ...queued, queuePosition };
}

export async function takeQueuedMessages(
  ctx: QueryContext,
  threadId: string,
): Promise<QueuedMessageRecord[]> {
  const rows = await ctx.db
    .deleteFrom("queued_messages")
    .where("thread_id", "=", threadId)
    .returningAll()
    .execute();
  if (rows.length > 0) {
    await ctx.db
      .updateTable("threads")
      .set({ queued_message_count: 0 })
      .where("thread_id", "=", threadId)
      .execute();
  }
  // RETURNING has no defined order.
  return rows.map(queuedMessageFromRow).sort((a, b) => a.queuePosition - b.queuePosition);
}
