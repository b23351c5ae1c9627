// Queries of the deltas table: the stored output of streams, ordered by (streamSeq, deltaSeq).
import { DeltaSequenceError, RecordNotFoundError } from "../errors.js";
import type { DeltaRecord } from "../records.js";
import type { ListDeltasQuery } from "../store.js";
import { decodeJson, encodeJson } from "./column-codecs.js";
import type { DeltasTable } from "./database.js";
import { pastKey } from "./keyset.js";
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";

function deltaFromRow(row: DeltasTable): DeltaRecord {
  return {
    threadId: row.thread_id,
    streamId: row.stream_id,
    streamSeq: row.stream_seq,
    deltaSeq: row.delta_seq,
    messageId: row.message_id,
    messageSeq: row.message_seq,
    chunks: decodeJson<DeltaRecord["chunks"]>(row.chunks),
    createdAt: row.created_at,
  };
}

/**
 * Appends a delta as `updateStream` (streams.ts) appends one, only while the writer holding `lockId` owns the stream
 * (B3): streaming, locked by it and its thread's active stream. The ownership check is part of the
 * compare-and-set, so the thread row is not locked: on PostgreSQL a turn's delta writes no longer
 * queue behind the transactions that lock its thread (a tool call's record, its result).
 *
 * On PostgreSQL (READ COMMITTED) the update waits for a concurrent writer of the stream row and
 * re-checks status and lock_id on the committed row. The thread's active stream, read by the
 * subquery, is covered by the stream row: every transaction that moves a thread's active stream
 * away from a streaming stream aborts that stream in the same commit (start_turn, stop, retry,
 * failure, finalize, delete).
 */
export async function appendOwnedDelta(
  ctx: QueryContext,
  delta: DeltaRecord,
  lockId: string,
): Promise<boolean> {
  const { streamId, threadId, streamSeq, deltaSeq } = delta;
  const advanced = await advanceOwnedDeltaCount(
    ctx,
    streamId,
    threadId,
    streamSeq,
    deltaSeq,
    lockId,
  );
  if ((advanced.numAffectedRows ?? 0n) === 0n) {
    if (!(await ownsStream(ctx, delta, lockId))) return false;
    await throwWhyNotAppended(ctx, delta);
  }
  await insertDelta(ctx, delta);
  return true;
}

/**
 * The compare-and-set of the stream's delta count that places an owned delta, with the ownership
 * conditions (appendOwnedDelta); updateStream's places appended deltas the same way (streams.ts).
 */
const advanceOwnedDeltaCount = prepareQuery(
  (ctx, streamId: string, threadId: string, streamSeq: number, deltaSeq: number, lockId: string) =>
    ctx.db
      .updateTable("streams")
      .set((eb) => ({ delta_count: eb("delta_count", "+", 1) }))
      .where("stream_id", "=", streamId)
      .where("thread_id", "=", threadId)
      .where("seq", "=", streamSeq)
      .where("delta_count", "=", deltaSeq)
      .where("status", "=", "streaming")
      .where("lock_id", "=", lockId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("threads")
            .select("threads.thread_id")
            .where("threads.thread_id", "=", threadId)
            .whereRef("threads.active_stream_id", "=", "streams.stream_id"),
        ),
      ),
);

const insertDeltaRow = prepareRowQuery((ctx, row: DeltasTable) =>
  ctx.db.insertInto("deltas").values(row),
);

/**
 * Checks that `deltas` are the stream's next ones from `start` on, one after another
 * (DeltaSequenceError): a stream written with its deltas places them all at once.
 */
export function assertDeltasFrom(
  stream: { streamId: string; threadId: string },
  start: { streamSeq: number; deltaSeq: number },
  deltas: readonly DeltaRecord[],
): void {
  deltas.forEach((delta, index) => {
    const expected = { streamSeq: start.streamSeq, deltaSeq: start.deltaSeq + index };
    const misplaced =
      delta.streamId !== stream.streamId ||
      delta.threadId !== stream.threadId ||
      delta.streamSeq !== expected.streamSeq ||
      delta.deltaSeq !== expected.deltaSeq;
    if (misplaced) throw new DeltaSequenceError(stream.streamId, delta, expected);
  });
}

/** Inserts delta rows whose stream's deltaCount was already advanced past them. */
export async function insertDeltas(
  ctx: QueryContext,
  deltas: readonly DeltaRecord[],
): Promise<void> {
  for (const delta of deltas) await insertDelta(ctx, delta);
}

async function insertDelta(ctx: QueryContext, delta: DeltaRecord): Promise<void> {
  await insertDeltaRow(ctx, {
    stream_id: delta.streamId,
    delta_seq: delta.deltaSeq,
    thread_id: delta.threadId,
    stream_seq: delta.streamSeq,
    message_id: delta.messageId,
    message_seq: delta.messageSeq,
    chunks: encodeJson(delta.chunks),
    created_at: delta.createdAt,
  });
}

/** Whether the delta's stream is streaming under `lockId` as its thread's active stream. */
async function ownsStream(ctx: QueryContext, delta: DeltaRecord, lockId: string): Promise<boolean> {
  const row = await ctx.db
    .selectFrom("streams")
    .innerJoin("threads", "threads.thread_id", "streams.thread_id")
    .select(["streams.status", "streams.lock_id", "threads.active_stream_id"])
    .where("streams.stream_id", "=", delta.streamId)
    .where("streams.thread_id", "=", delta.threadId)
    .executeTakeFirst();
  return (
    row !== undefined &&
    row.status === "streaming" &&
    row.lock_id === lockId &&
    row.active_stream_id === delta.streamId
  );
}

export async function throwWhyNotAppended(ctx: QueryContext, delta: DeltaRecord): Promise<never> {
  const stream = await ctx.db
    .selectFrom("streams")
    .select(["seq", "delta_count"])
    .where("stream_id", "=", delta.streamId)
    .where("thread_id", "=", delta.threadId)
    .executeTakeFirst();
  if (stream === undefined) throw new RecordNotFoundError("stream", delta.streamId);
  throw new DeltaSequenceError(delta.streamId, delta, {
    streamSeq: stream.seq,
    deltaSeq: stream.delta_count,
  });
}

/** Which bounds a listing of a thread's deltas has besides the thread: its prepared shape. */
interface DeltaListShape {
  fromSeq: boolean;
  after: boolean;
}

/**
 * A thread's deltas by (streamSeq, deltaSeq); the bounds the shape names come after the limit, in
 * this order: fromSeq, then after's streamSeq and deltaSeq.
 */
const selectDeltas = preparePerShape(
  ({ fromSeq, after }: DeltaListShape) => `${fromSeq}|${after}`,
  (shape) =>
    prepareQuery(
      (ctx, threadId: string, limit: number, ...bounds: number[]) => {
        const [fromSeq, afterStreamSeq, afterDeltaSeq] = shape.fromSeq
          ? bounds
          : [undefined, ...bounds];
        let select = ctx.db.selectFrom("deltas").selectAll().where("thread_id", "=", threadId);
        if (fromSeq !== undefined) select = select.where("stream_seq", ">=", fromSeq);
        if (afterStreamSeq !== undefined && afterDeltaSeq !== undefined) {
          select = select.where((eb) =>
            pastKey(eb, "asc", ["stream_seq", afterStreamSeq], ["delta_seq", afterDeltaSeq]),
          );
        }
        return select.orderBy("stream_seq").orderBy("delta_seq").limit(limit);
      },
      2 + (shape.fromSeq ? 1 : 0) + (shape.after ? 2 : 0),
    ),
);

export async function listDeltas(
  ctx: QueryContext,
  threadId: string,
  query: ListDeltasQuery,
): Promise<DeltaRecord[]> {
  const { after, fromSeq } = query;
  const bounds = [
    ...(fromSeq === undefined ? [] : [fromSeq]),
    ...(after === undefined ? [] : [after.streamSeq, after.deltaSeq]),
  ];
  const shape = { fromSeq: fromSeq !== undefined, after: after !== undefined };
  const { rows } = await selectDeltas(shape)(ctx, threadId, query.limit, ...bounds);
  return rows.map(deltaFromRow);
}
