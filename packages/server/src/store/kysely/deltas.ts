// Queries of the deltas table: the stored output of streams, ordered by (streamSeq, deltaSeq).
import { DeltaSequenceError, RecordNotFoundError } from "../errors.js";
import type { DeltaRecord } from "../records.js";
import type { ListDeltasQuery } from "../store.js";
import { decodeJson, encodeJson } from "./column-codecs.js";
import type { DeltasTable } from "./database.js";
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
 * Appends a delta where its stream expects the next one. Advancing the stream's deltaCount is a
 * compare-and-set on (seq, deltaCount), done before the insert: of two writers racing for the same
 * position only one matches, so a cursor (streamSeq, deltaSeq) never names a gap or two deltas.
 */
export async function appendDelta(ctx: QueryContext, delta: DeltaRecord): Promise<void> {
  const advanced = await ctx.db
    .updateTable("streams")
    .set((eb) => ({ delta_count: eb("delta_count", "+", 1) }))
    .where("stream_id", "=", delta.streamId)
    .where("thread_id", "=", delta.threadId)
    .where("seq", "=", delta.streamSeq)
    .where("delta_count", "=", delta.deltaSeq)
    .executeTakeFirst();
  if (advanced.numUpdatedRows === 0n) await throwWhyNotAppended(ctx, delta);
  await ctx.db
    .insertInto("deltas")
    .values({
      stream_id: delta.streamId,
      delta_seq: delta.deltaSeq,
      thread_id: delta.threadId,
      stream_seq: delta.streamSeq,
      message_id: delta.messageId,
      message_seq: delta.messageSeq,
      chunks: encodeJson(delta.chunks),
      created_at: delta.createdAt,
    })
    .execute();
}

async function throwWhyNotAppended(ctx: QueryContext, delta: DeltaRecord): Promise<never> {
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

export async function listDeltas(
  ctx: QueryContext,
  threadId: string,
  query: ListDeltasQuery,
): Promise<DeltaRecord[]> {
  const { after, fromSeq } = query;
  let select = ctx.db.selectFrom("deltas").selectAll().where("thread_id", "=", threadId);
  if (fromSeq !== undefined) select = select.where("stream_seq", ">=", fromSeq);
  if (after !== undefined) {
    select = select.where((eb) =>
      eb.or([
        eb("stream_seq", ">", after.streamSeq),
        eb.and([eb("stream_seq", "=", after.streamSeq), eb("delta_seq", ">", after.deltaSeq)]),
      ]),
    );
  }
  const rows = await select.orderBy("stream_seq").orderBy("delta_seq").limit(query.limit).execute();
  return rows.map(deltaFromRow);
}
