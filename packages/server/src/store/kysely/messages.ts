// Queries of the messages table. A message's position is its place in the thread, from 0.

import { sql } from "kysely";
import type { JsonValue, MessageRecord, Usage } from "../records.js";
import type { ListMessagesQuery } from "../store.js";
import {
  decodeJson,
  decodeNullableJson,
  decodeOptionalJson,
  encodeJson,
  encodeNullableJson,
  encodeOptionalJson,
} from "./column-codecs.js";
import type { MessagesTable } from "./database.js";
import { insertUnique, type QueryContext } from "./query-context.js";

type NewMessage = Omit<MessageRecord, "position">;

function messageFromRow(row: MessagesTable): MessageRecord {
  return {
    threadId: row.thread_id,
    messageId: row.message_id,
    role: row.role,
    parts: decodeJson<MessageRecord["parts"]>(row.parts),
    metadata: decodeOptionalJson<JsonValue>(row.metadata),
    committedSeq: row.committed_seq,
    position: row.position,
    usage: decodeNullableJson<Usage>(row.usage),
    createdAt: row.created_at,
  };
}

/** Every column but the key and the position, which a replacement keeps. */
function messageContentColumns(message: NewMessage) {
  return {
    role: message.role,
    parts: encodeJson(message.parts),
    metadata: encodeOptionalJson(message.metadata),
    committed_seq: message.committedSeq,
    usage: encodeNullableJson(message.usage),
    created_at: message.createdAt,
  } satisfies Partial<MessagesTable>;
}

export async function getMessage(
  ctx: QueryContext,
  threadId: string,
  messageId: string,
): Promise<MessageRecord | undefined> {
  const row = await ctx.db
    .selectFrom("messages")
    .selectAll()
    .where("thread_id", "=", threadId)
    .where("message_id", "=", messageId)
    .executeTakeFirst();
  return row && messageFromRow(row);
}

export async function listMessages(
  ctx: QueryContext,
  threadId: string,
  query: ListMessagesQuery,
): Promise<MessageRecord[]> {
  let select = ctx.db.selectFrom("messages").selectAll().where("thread_id", "=", threadId);
  if (query.afterPosition !== undefined)
    select = select.where("position", ">", query.afterPosition);
  if (!query.includeSystem) select = select.where("role", "!=", "system");
  const rows = await select.orderBy("position").limit(query.limit).execute();
  return rows.map(messageFromRow);
}

export async function getLastMessage(
  ctx: QueryContext,
  threadId: string,
): Promise<MessageRecord | undefined> {
  const row = await ctx.db
    .selectFrom("messages")
    .selectAll()
    .where("thread_id", "=", threadId)
    .orderBy("position", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && messageFromRow(row);
}

/**
 * Appends at the end of the thread, its position found by the insert itself (one statement). The
 * caller holds the thread's lock (lockThread), so no other append can take the same position; the
 * unique (thread_id, position) index backs that up.
 */
export async function appendMessage(
  ctx: QueryContext,
  message: NewMessage,
): Promise<MessageRecord> {
  const inserted = await insertUnique(
    ctx,
    "message",
    `${message.threadId}/${message.messageId}`,
    () =>
      ctx.db
        .insertInto("messages")
        .values((eb) => ({
          thread_id: message.threadId,
          message_id: message.messageId,
          position: eb
            .selectFrom("messages")
            .select(sql<number>`coalesce(max(position), -1) + 1`.as("next"))
            .where("thread_id", "=", message.threadId),
          ...messageContentColumns(message),
        }))
        .returning("position")
        .executeTakeFirstOrThrow(),
  );
  return { ...message, position: inserted.position };
}

/** Replaces the message with the same id in place (B7), or appends it when it is new. */
export async function saveMessage(ctx: QueryContext, message: NewMessage): Promise<MessageRecord> {
  const replaced = await ctx.db
    .updateTable("messages")
    .set(messageContentColumns(message))
    .where("thread_id", "=", message.threadId)
    .where("message_id", "=", message.messageId)
    .returning("position")
    .executeTakeFirst();
  if (replaced === undefined) return appendMessage(ctx, message);
  return { ...message, position: replaced.position };
}
