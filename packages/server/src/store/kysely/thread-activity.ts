// The read a thread's rules decide on besides the thread row (engine readThreadFacts): its open
// streams and its pending tool calls' count, in one statement instead of two.
import type { ThreadActivity } from "../store.js";
import type { StreamsTable } from "./database.js";
import { prepareQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";
import { streamFromRow } from "./streams.js";

/**
 * The pending calls' count (one row, whatever the streams) left-joined with the open streams, by
 * seq: one row per open stream, or one row without a stream when there is none.
 */
const selectThreadActivity = prepareQuery((ctx, threadId: string) =>
  ctx.db
    .selectFrom((db) =>
      db
        .selectFrom("tool_calls")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("thread_id", "=", threadId)
        .where("status", "=", "pending")
        .as("pending"),
    )
    .leftJoin("streams", (join) =>
      join
        .on("streams.thread_id", "=", threadId)
        .on("streams.status", "in", ["pending", "streaming"]),
    )
    .selectAll("streams")
    .select("pending.count as pending_tool_call_count")
    .orderBy("streams.seq"),
);

export async function readThreadActivity(
  ctx: QueryContext,
  threadId: string,
): Promise<ThreadActivity> {
  const { rows } = await selectThreadActivity(ctx, threadId);
  const [first] = rows;
  if (first === undefined) throw new Error("reading a thread's activity returned no row");
  return {
    openStreams: rows.flatMap((row) =>
      row.stream_id === null ? [] : [streamFromRow(row as StreamsTable)],
    ),
    pendingToolCallCount: Number(first.pending_tool_call_count),
  };
}
