// Queries of the streams table: a turn's output (B3) or a tool outcome's one-delta stream (B15).
import type { Updateable } from "kysely";
import { DeltaSequenceError, RecordNotFoundError } from "../errors.js";
import type { DeltaRecord, StreamRecord } from "../records.js";
import type { StreamPatch } from "../store.js";
import type { StreamsTable } from "./database.js";
import { assertDeltasFrom, insertDeltas, throwWhyNotAppended } from "./deltas.js";
import { pastKey } from "./keyset.js";
import { type PatchColumns, patchToColumns } from "./patch-columns.js";
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
import { insertUnique, type QueryContext } from "./query-context.js";

export function streamFromRow(row: StreamsTable): StreamRecord {
  return {
    streamId: row.stream_id,
    threadId: row.thread_id,
    kind: row.kind,
    seq: row.seq,
    status: row.status,
    lockId: row.lock_id,
    heartbeatAt: row.heartbeat_at,
    abortReason: row.abort_reason,
    deltaCount: row.delta_count,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}

function streamToRow(stream: StreamRecord): StreamsTable {
  return {
    stream_id: stream.streamId,
    thread_id: stream.threadId,
    kind: stream.kind,
    seq: stream.seq,
    status: stream.status,
    lock_id: stream.lockId,
    heartbeat_at: stream.heartbeatAt,
    abort_reason: stream.abortReason,
    delta_count: stream.deltaCount,
    created_at: stream.createdAt,
    ended_at: stream.endedAt,
  };
}

const streamPatchColumns: PatchColumns<StreamPatch, StreamsTable> = {
  status: (status) => ({ status }),
  lockId: (lockId) => ({ lock_id: lockId }),
  heartbeatAt: (heartbeatAt) => ({ heartbeat_at: heartbeatAt }),
  abortReason: (abortReason) => ({ abort_reason: abortReason }),
  endedAt: (endedAt) => ({ ended_at: endedAt }),
};

const selectStream = prepareQuery((ctx, streamId: string) =>
  ctx.db.selectFrom("streams").selectAll().where("stream_id", "=", streamId),
);

export async function getStream(
  ctx: QueryContext,
  streamId: string,
): Promise<StreamRecord | undefined> {
  const [row] = (await selectStream(ctx, streamId)).rows;
  return row && streamFromRow(row);
}

type StreamStatus = StreamRecord["status"];

/** A thread's streams by seq, with one of the statuses listed (any status without a list). */
const selectStreamsOfThread = preparePerShape(
  (statuses: readonly StreamStatus[] | undefined) => statuses?.join() ?? "any",
  (statuses) =>
    prepareQuery(
      (ctx, threadId: string, ...listed: StreamStatus[]) => {
        const select = ctx.db.selectFrom("streams").selectAll().where("thread_id", "=", threadId);
        return (statuses === undefined ? select : select.where("status", "in", listed)).orderBy(
          "seq",
        );
      },
      1 + (statuses?.length ?? 0),
    ),
);

export async function listStreams(
  ctx: QueryContext,
  threadId: string,
  statuses: readonly StreamStatus[] | undefined,
): Promise<StreamRecord[]> {
  if (statuses?.length === 0) return [];
  const { rows } = await selectStreamsOfThread(statuses)(ctx, threadId, ...(statuses ?? []));
  return rows.map(streamFromRow);
}

/**
 * Streaming streams last heartbeated at or before `heartbeatAtOrBefore`, by (heartbeat, id) after
 * `after`. Like the cleanup's, the search is over the small table of open and recently ended
 * streams.
 */
export async function listSilentStreams(
  ctx: QueryContext,
  heartbeatAtOrBefore: number,
  after: { heartbeatAt: number; streamId: string } | undefined,
  limit: number,
): Promise<StreamRecord[]> {
  let select = ctx.db
    .selectFrom("streams")
    .selectAll()
    .where("status", "=", "streaming")
    .where("heartbeat_at", "<=", heartbeatAtOrBefore);
  if (after !== undefined) {
    select = select.where((eb) =>
      pastKey(eb, "asc", ["heartbeat_at", after.heartbeatAt], ["stream_id", after.streamId]),
    );
  }
  const rows = await select.orderBy("heartbeat_at").orderBy("stream_id").limit(limit).execute();
  return rows.map(streamFromRow);
}

const insertStreamRow = prepareRowQuery((ctx, row: StreamsTable) =>
  ctx.db.insertInto("streams").values(row),
);

export async function insertStream(
  ctx: QueryContext,
  stream: StreamRecord,
  firstDeltas: readonly DeltaRecord[],
): Promise<void> {
  if (firstDeltas.length > 0) {
    assertDeltasFrom(stream, { streamSeq: stream.seq, deltaSeq: 0 }, firstDeltas);
    if (stream.deltaCount !== firstDeltas.length) {
      throw new DeltaSequenceError(
        stream.streamId,
        { streamSeq: stream.seq, deltaSeq: stream.deltaCount },
        { streamSeq: stream.seq, deltaSeq: firstDeltas.length },
      );
    }
  }
  await insertUnique(ctx, "stream", stream.streamId, () =>
    insertStreamRow(ctx, streamToRow(stream)),
  );
  await insertDeltas(ctx, firstDeltas);
}

const updateStreamRow = prepareRowQuery(
  (ctx, changes: Updateable<StreamsTable>, streamId: string) =>
    ctx.db.updateTable("streams").set(changes).where("stream_id", "=", streamId).returningAll(),
);

/** The update of a stream that also places its next deltas: a compare-and-set on their count. */
const updateStreamRowPlacing = prepareRowQuery(
  (
    ctx,
    changes: Updateable<StreamsTable>,
    streamId: string,
    threadId: string,
    streamSeq: number,
    deltaCount: number,
  ) =>
    ctx.db
      .updateTable("streams")
      .set(changes)
      .where("stream_id", "=", streamId)
      .where("thread_id", "=", threadId)
      .where("seq", "=", streamSeq)
      .where("delta_count", "=", deltaCount)
      .returningAll(),
);

export async function updateStream(
  ctx: QueryContext,
  streamId: string,
  patch: StreamPatch,
  appended: readonly DeltaRecord[],
): Promise<StreamRecord> {
  const changes = patchToColumns(patch, streamPatchColumns, ctx.dialect);
  const [first] = appended;
  if (first !== undefined) {
    assertDeltasFrom({ streamId, threadId: first.threadId }, first, appended);
    const placing = { ...changes, delta_count: first.deltaSeq + appended.length };
    const [row] = (
      await updateStreamRowPlacing(
        ctx,
        placing,
        streamId,
        first.threadId,
        first.streamSeq,
        first.deltaSeq,
      )
    ).rows;
    if (row === undefined) return throwWhyNotAppended(ctx, first);
    await insertDeltas(ctx, appended);
    return streamFromRow(row);
  }
  // An empty patch still has to prove the stream exists, and SQL has no empty SET.
  if (Object.keys(changes).length === 0) {
    const stream = await getStream(ctx, streamId);
    if (stream === undefined) throw new RecordNotFoundError("stream", streamId);
    return stream;
  }
  const [row] = (await updateStreamRow(ctx, changes, streamId)).rows;
  if (row === undefined) throw new RecordNotFoundError("stream", streamId);
  return streamFromRow(row);
}

/**
 * Deletes up to `limit` finished or aborted streams that ended at or before `endedAtOrBefore`,
 * with their deltas (foreign key); returns how many (B7 cleanup). The streams table holds only
 * what is open or ended within the cleanup delay, so the search is over a small table.
 */
export async function deleteEndedStreams(
  ctx: QueryContext,
  endedAtOrBefore: number,
  limit: number,
): Promise<number> {
  const ended = ctx.db
    .selectFrom("streams")
    .select("stream_id")
    .where("status", "in", ["finished", "aborted"])
    .where("ended_at", "<=", endedAtOrBefore)
    .limit(limit);
  const result = await ctx.db
    .deleteFrom("streams")
    .where("stream_id", "in", ended)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes the stream; its deltas go with it through their foreign key (B7 cleanup). */
export async function deleteStream(ctx: QueryContext, streamId: string): Promise<void> {
  await ctx.db.deleteFrom("streams").where("stream_id", "=", streamId).execute();
}
