// Queries of the threads table.
import type { ThreadStatus } from "@durable-agents/core";
import type { Updateable } from "kysely";
import { RecordNotFoundError } from "../errors.js";
import type {
  FailureRecord,
  JsonObject,
  RetryStateRecord,
  ThreadRecord,
  Usage,
} from "../records.js";
import type { ListThreadsQuery, ThreadPatch } from "../store.js";
import {
  decodeBoolean,
  decodeJson,
  decodeNullableJson,
  encodeJson,
  encodeNullableJson,
} from "./column-codecs.js";
import type { ThreadsTable } from "./database.js";
import { pastKey } from "./keyset.js";
import { type PatchColumns, patchToColumns } from "./patch-columns.js";
import { prepareQuery, prepareRowQuery } from "./prepared-query.js";
import { insertUnique, type QueryContext } from "./query-context.js";
import type { StoreDialect } from "./store-dialect.js";

function threadFromRow(row: ThreadsTable): ThreadRecord {
  return {
    threadId: row.thread_id,
    agent: row.agent,
    owner: row.owner,
    status: row.status,
    stopSignal: decodeBoolean(row.stop_signal),
    activeStreamId: row.active_stream_id,
    continueFlag: decodeBoolean(row.continue_flag),
    retryState: decodeNullableJson<RetryStateRecord>(row.retry_state),
    failure: decodeNullableJson<FailureRecord>(row.failure),
    seq: row.seq,
    version: row.version,
    loopTurnCount: row.loop_turn_count,
    usage: decodeJson<Usage>(row.usage),
    metadata: decodeJson<JsonObject>(row.metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    queuedMessageCount: row.queued_message_count,
  };
}

function threadToRow(thread: ThreadRecord, dialect: StoreDialect): ThreadsTable {
  return {
    thread_id: thread.threadId,
    agent: thread.agent,
    owner: thread.owner,
    status: thread.status,
    stop_signal: dialect.encodeBoolean(thread.stopSignal),
    active_stream_id: thread.activeStreamId,
    continue_flag: dialect.encodeBoolean(thread.continueFlag),
    retry_state: encodeNullableJson(thread.retryState),
    failure: encodeNullableJson(thread.failure),
    seq: thread.seq,
    version: thread.version,
    loop_turn_count: thread.loopTurnCount,
    usage: encodeJson(thread.usage),
    metadata: encodeJson(thread.metadata),
    created_at: thread.createdAt,
    updated_at: thread.updatedAt,
    queued_message_count: thread.queuedMessageCount,
  };
}

const threadPatchColumns: PatchColumns<ThreadPatch, ThreadsTable> = {
  status: (status) => ({ status }),
  stopSignal: (stopSignal, dialect) => ({ stop_signal: dialect.encodeBoolean(stopSignal) }),
  activeStreamId: (activeStreamId) => ({ active_stream_id: activeStreamId }),
  continueFlag: (continueFlag, dialect) => ({ continue_flag: dialect.encodeBoolean(continueFlag) }),
  retryState: (retryState) => ({ retry_state: encodeNullableJson(retryState) }),
  failure: (failure) => ({ failure: encodeNullableJson(failure) }),
  seq: (seq) => ({ seq }),
  loopTurnCount: (loopTurnCount) => ({ loop_turn_count: loopTurnCount }),
  usage: (usage) => ({ usage: encodeJson(usage) }),
  metadata: (metadata) => ({ metadata: encodeJson(metadata) }),
};

const selectThread = prepareQuery((ctx, threadId: string) =>
  ctx.db.selectFrom("threads").selectAll().where("thread_id", "=", threadId),
);

const selectThreadForUpdate = prepareQuery((ctx, threadId: string) =>
  ctx.dialect.lockForUpdate(
    ctx.db.selectFrom("threads").selectAll().where("thread_id", "=", threadId),
  ),
);

export async function getThread(
  ctx: QueryContext,
  threadId: string,
): Promise<ThreadRecord | undefined> {
  const [row] = (await selectThread(ctx, threadId)).rows;
  return row && threadFromRow(row);
}

export async function lockThread(
  ctx: QueryContext,
  threadId: string,
): Promise<ThreadRecord | undefined> {
  const [row] = (await selectThreadForUpdate(ctx, threadId)).rows;
  return row && threadFromRow(row);
}

export async function listThreads(
  ctx: QueryContext,
  query: ListThreadsQuery,
): Promise<ThreadRecord[]> {
  const { owner, agent, statuses, after } = query;
  if (statuses?.length === 0) return [];
  let select = ctx.db
    .selectFrom("threads")
    .selectAll()
    .where((eb) => (owner === null ? eb("owner", "is", null) : eb("owner", "=", owner)));
  if (agent !== undefined) select = select.where("agent", "=", agent);
  if (statuses !== undefined) select = select.where("status", "in", statuses);
  if (after !== undefined) {
    // Keyset: strictly after `after` in (createdAt desc, threadId desc) order.
    select = select.where((eb) =>
      pastKey(eb, "desc", ["created_at", after.createdAt], ["thread_id", after.threadId]),
    );
  }
  const rows = await select
    .orderBy("created_at", "desc")
    .orderBy("thread_id", "desc")
    .limit(query.limit)
    .execute();
  return rows.map(threadFromRow);
}

export async function listThreadsByStatus(
  ctx: QueryContext,
  statuses: readonly ThreadStatus[],
  afterThreadId: string | undefined,
  limit: number,
): Promise<ThreadRecord[]> {
  if (statuses.length === 0) return [];
  let select = ctx.db.selectFrom("threads").selectAll().where("status", "in", statuses);
  if (afterThreadId !== undefined) select = select.where("thread_id", ">", afterThreadId);
  const rows = await select.orderBy("thread_id").limit(limit).execute();
  return rows.map(threadFromRow);
}

const insertThreadRow = prepareRowQuery((ctx, row: ThreadsTable) =>
  ctx.db.insertInto("threads").values(row),
);

export async function insertThread(ctx: QueryContext, thread: ThreadRecord): Promise<void> {
  await insertUnique(ctx, "thread", thread.threadId, () =>
    insertThreadRow(ctx, threadToRow(thread, ctx.dialect)),
  );
}

const updateThreadRow = prepareRowQuery(
  (ctx, changes: Updateable<ThreadsTable>, threadId: string, now: number) =>
    ctx.db
      .updateTable("threads")
      .set((eb) => ({ ...changes, version: eb("version", "+", 1), updated_at: now }))
      .where("thread_id", "=", threadId)
      .returningAll(),
);

export async function updateThread(
  ctx: QueryContext,
  threadId: string,
  patch: ThreadPatch,
  now: number,
): Promise<ThreadRecord> {
  const changes = patchToColumns(patch, threadPatchColumns, ctx.dialect);
  const [row] = (await updateThreadRow(ctx, changes, threadId, now)).rows;
  if (row === undefined) throw new RecordNotFoundError("thread", threadId);
  return threadFromRow(row);
}

/**
 * Deletes the thread; the foreign keys cascade to its messages, streams, deltas, tool calls,
 * queued messages and jobs (B21), all in the caller's transaction.
 */
export async function deleteThread(ctx: QueryContext, threadId: string): Promise<void> {
  await ctx.db.deleteFrom("threads").where("thread_id", "=", threadId).execute();
}
