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
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
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
type MessageContentColumns = Omit<MessagesTable, "thread_id" | "message_id" | "position">;

function messageContentColumns(message: NewMessage): MessageContentColumns {
  return {
    role: message.role,
    parts: encodeJson(message.parts),
    metadata: encodeOptionalJson(message.metadata),
    committed_seq: message.committedSeq,
    usage: encodeNullableJson(message.usage),
    created_at: message.createdAt,
  };
}

const selectMessage = prepareQuery((ctx, threadId: string, messageId: string) =>
  ctx.db
    .selectFrom("messages")
    .selectAll()
    .where("thread_id", "=", threadId)
    .where("message_id", "=", messageId),
);

export async function getMessage(
  ctx: QueryContext,
  threadId: string,
  messageId: string,
): Promise<MessageRecord | undefined> {
  const [row] = (await selectMessage(ctx, threadId, messageId)).rows;
  return row && messageFromRow(row);
}

/** Which bounds a listing of a thread's messages has: its prepared shape. */
interface MessageListShape {
  afterPosition: boolean;
  includeSystem: boolean;
}

/** A thread's messages by position; with the shape's `afterPosition`, after that position. */
const selectMessages = preparePerShape(
  ({ afterPosition, includeSystem }: MessageListShape) => `${afterPosition}|${includeSystem}`,
  (shape) =>
    prepareQuery(
      (ctx, threadId: string, limit: number, ...afterPosition: number[]) => {
        let select = ctx.db.selectFrom("messages").selectAll().where("thread_id", "=", threadId);
        const [after] = afterPosition;
        if (after !== undefined) select = select.where("position", ">", after);
        if (!shape.includeSystem) select = select.where("role", "!=", "system");
        return select.orderBy("position").limit(limit);
      },
      shape.afterPosition ? 3 : 2,
    ),
);

export async function listMessages(
  ctx: QueryContext,
  threadId: string,
  query: ListMessagesQuery,
): Promise<MessageRecord[]> {
  const { afterPosition, includeSystem, limit } = query;
  const shape = { afterPosition: afterPosition !== undefined, includeSystem };
  const after = afterPosition === undefined ? [] : [afterPosition];
  const { rows } = await selectMessages(shape)(ctx, threadId, limit, ...after);
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
const insertMessageAtEnd = prepareRowQuery((ctx, row: Omit<MessagesTable, "position">) =>
  ctx.db
    .insertInto("messages")
    .values((eb) => ({
      ...row,
      position: eb
        .selectFrom("messages")
        .select(sql<number>`coalesce(max(position), -1) + 1`.as("next"))
        .where("thread_id", "=", row.thread_id),
    }))
    .returning("position"),
);

export async function appendMessage(
  ctx: QueryContext,
  message: NewMessage,
): Promise<MessageRecord> {
  const row = {
    thread_id: message.threadId,
    message_id: message.messageId,
    ...messageContentColumns(message),
  };
  const { rows } = await insertUnique(
    ctx,
    "message",
    `${message.threadId}/${message.messageId}`,
    () => insertMessageAtEnd(ctx, row),
  );
  const [inserted] = rows;
  if (inserted === undefined) throw new Error("the message insert returned no position");
  return { ...message, position: inserted.position };
}

const updateMessageContent = prepareRowQuery(
  (ctx, content: MessageContentColumns, threadId: string, messageId: string) =>
    ctx.db
      .updateTable("messages")
      .set(content)
      .where("thread_id", "=", threadId)
      .where("message_id", "=", messageId)
      .returning("position"),
);

/** Replaces the message with the same id in place (B7), or appends it when it is new. */
export async function saveMessage(ctx: QueryContext, message: NewMessage): Promise<MessageRecord> {
  const content = messageContentColumns(message);
  const [replaced] = (await updateMessageContent(ctx, content, message.threadId, message.messageId))
    .rows;
  if (replaced === undefined) return appendMessage(ctx, message);
  return { ...message, position: replaced.position };
}
