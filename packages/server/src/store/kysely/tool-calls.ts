// Queries of the tool_calls table (B6, B15–B19).
import type { Updateable } from "kysely";
import { RecordNotFoundError } from "../errors.js";
import type { JsonValue, ToolCallRecord, ToolExecutionState, ToolKind } from "../records.js";
import type { ListToolCallsQuery, PendingToolCallExpectation, ToolCallPatch } from "../store.js";
import { decodeJson, decodeOptionalJson, encodeJson, encodeOptionalJson } from "./column-codecs.js";
import type { ToolCallsTable } from "./database.js";
import { pastKey } from "./keyset.js";
import { type PatchColumns, patchToColumns } from "./patch-columns.js";
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";

function toolCallFromRow(row: ToolCallsTable): ToolCallRecord {
  return {
    threadId: row.thread_id,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    kind: row.kind,
    args: decodeJson<JsonValue>(row.args),
    status: row.status,
    result: decodeOptionalJson<JsonValue>(row.result),
    error: row.error,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    nextRetryAt: row.next_retry_at,
    deadlineAt: row.deadline_at,
    runnerId: row.runner_id,
    lastHeartbeatAt: row.last_heartbeat_at,
    executionState: row.execution_state,
    messageId: row.message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toolCallToRow(call: ToolCallRecord): ToolCallsTable {
  return {
    thread_id: call.threadId,
    tool_call_id: call.toolCallId,
    tool_name: call.toolName,
    kind: call.kind,
    args: encodeJson(call.args),
    status: call.status,
    result: encodeOptionalJson(call.result),
    error: call.error,
    attempt: call.attempt,
    max_attempts: call.maxAttempts,
    last_error: call.lastError,
    next_retry_at: call.nextRetryAt,
    deadline_at: call.deadlineAt,
    runner_id: call.runnerId,
    last_heartbeat_at: call.lastHeartbeatAt,
    execution_state: call.executionState,
    message_id: call.messageId,
    created_at: call.createdAt,
    updated_at: call.updatedAt,
  };
}

/**
 * A patch cannot take a result back to undefined (undefined means "unchanged"): a call's result is
 * set once, when it completes.
 */
const toolCallPatchColumns: PatchColumns<ToolCallPatch, ToolCallsTable> = {
  status: (status) => ({ status }),
  result: (result) => ({ result: encodeOptionalJson(result) }),
  error: (error) => ({ error }),
  attempt: (attempt) => ({ attempt }),
  maxAttempts: (maxAttempts) => ({ max_attempts: maxAttempts }),
  lastError: (lastError) => ({ last_error: lastError }),
  nextRetryAt: (nextRetryAt) => ({ next_retry_at: nextRetryAt }),
  deadlineAt: (deadlineAt) => ({ deadline_at: deadlineAt }),
  runnerId: (runnerId) => ({ runner_id: runnerId }),
  lastHeartbeatAt: (lastHeartbeatAt) => ({ last_heartbeat_at: lastHeartbeatAt }),
  executionState: (executionState) => ({ execution_state: executionState }),
};

const selectToolCall = prepareQuery((ctx, threadId: string, toolCallId: string) =>
  ctx.db
    .selectFrom("tool_calls")
    .selectAll()
    .where("thread_id", "=", threadId)
    .where("tool_call_id", "=", toolCallId),
);

export async function getToolCall(
  ctx: QueryContext,
  threadId: string,
  toolCallId: string,
): Promise<ToolCallRecord | undefined> {
  const [row] = (await selectToolCall(ctx, threadId, toolCallId)).rows;
  return row && toolCallFromRow(row);
}

type ToolCallStatus = ToolCallRecord["status"];
const statusesKey = (statuses: readonly ToolCallStatus[] | undefined) => statuses?.join() ?? "any";

/** A thread's tool calls with one of the statuses listed (any status without a list). */
function selectToolCallsOfThread(
  ctx: QueryContext,
  threadId: string,
  statuses: readonly ToolCallStatus[] | undefined,
) {
  const select = ctx.db.selectFrom("tool_calls").selectAll().where("thread_id", "=", threadId);
  return statuses === undefined ? select : select.where("status", "in", statuses);
}

/** The first page, in (createdAt, toolCallId) order. */
const selectFirstToolCalls = preparePerShape(statusesKey, (statuses) =>
  prepareQuery(
    (ctx, threadId: string, limit: number, ...listed: ToolCallStatus[]) =>
      selectToolCallsOfThread(ctx, threadId, statuses && listed)
        .orderBy("created_at")
        .orderBy("tool_call_id")
        .limit(limit),
    2 + (statuses?.length ?? 0),
  ),
);

/** A later page: strictly after a call in (createdAt, toolCallId) order (keyset). */
const selectToolCallsAfter = preparePerShape(statusesKey, (statuses) =>
  prepareQuery(
    (
      ctx,
      threadId: string,
      limit: number,
      afterCreatedAt: number,
      afterToolCallId: string,
      ...listed: ToolCallStatus[]
    ) =>
      selectToolCallsOfThread(ctx, threadId, statuses && listed)
        .where((eb) =>
          pastKey(eb, "asc", ["created_at", afterCreatedAt], ["tool_call_id", afterToolCallId]),
        )
        .orderBy("created_at")
        .orderBy("tool_call_id")
        .limit(limit),
    4 + (statuses?.length ?? 0),
  ),
);

export async function listToolCalls(
  ctx: QueryContext,
  threadId: string,
  query: ListToolCallsQuery,
): Promise<ToolCallRecord[]> {
  const { statuses, after, limit } = query;
  if (statuses?.length === 0) return [];
  const listed = statuses ?? [];
  const { rows } =
    after === undefined
      ? await selectFirstToolCalls(statuses)(ctx, threadId, limit, ...listed)
      : await selectToolCallsAfter(statuses)(
          ctx,
          threadId,
          limit,
          after.createdAt,
          after.toolCallId,
          ...listed,
        );
  return rows.map(toolCallFromRow);
}

const countToolCallsWithStatus = prepareQuery(
  (ctx, threadId: string, status: ToolCallRecord["status"]) =>
    ctx.db
      .selectFrom("tool_calls")
      .select((eb) => eb.fn.countAll().as("count"))
      .where("thread_id", "=", threadId)
      .where("status", "=", status),
);

export async function countPendingToolCalls(ctx: QueryContext, threadId: string): Promise<number> {
  const [row] = (await countToolCallsWithStatus(ctx, threadId, "pending")).rows;
  // count(*) without GROUP BY always answers one row.
  if (row === undefined) throw new Error("counting pending tool calls returned no row");
  return Number(row.count);
}

export function listPendingSyncToolCalls(
  ctx: QueryContext,
  after: { threadId: string; toolCallId: string } | undefined,
  limit: number,
): Promise<ToolCallRecord[]> {
  return listPendingToolCalls(ctx, after, limit, "sync");
}

/** Pending calls of every thread, of one kind or all, by (threadId, toolCallId) after `after`. */
export async function listPendingToolCalls(
  ctx: QueryContext,
  after: { threadId: string; toolCallId: string } | undefined,
  limit: number,
  kind?: ToolKind,
): Promise<ToolCallRecord[]> {
  let select = ctx.db.selectFrom("tool_calls").selectAll().where("status", "=", "pending");
  if (kind !== undefined) select = select.where("kind", "=", kind);
  if (after !== undefined) {
    // Keyset: strictly after `after` in (threadId, toolCallId) order.
    select = select.where((eb) =>
      pastKey(eb, "asc", ["thread_id", after.threadId], ["tool_call_id", after.toolCallId]),
    );
  }
  const rows = await select.orderBy("thread_id").orderBy("tool_call_id").limit(limit).execute();
  return rows.map(toolCallFromRow);
}

const insertNewToolCallRow = prepareRowQuery((ctx, row: ToolCallsTable) =>
  ctx.db
    .insertInto("tool_calls")
    .values(row)
    .onConflict((conflict) => conflict.columns(["thread_id", "tool_call_id"]).doNothing()),
);

export async function insertToolCall(ctx: QueryContext, call: ToolCallRecord): Promise<boolean> {
  const { numAffectedRows } = await insertNewToolCallRow(ctx, toolCallToRow(call));
  return (numAffectedRows ?? 0n) > 0n;
}

const updateToolCallRow = prepareRowQuery(
  (ctx, changes: Updateable<ToolCallsTable>, threadId: string, toolCallId: string) =>
    ctx.db
      .updateTable("tool_calls")
      .set(changes)
      .where("thread_id", "=", threadId)
      .where("tool_call_id", "=", toolCallId)
      .returningAll(),
);

/** The update of a call while it is pending (and in one of `executionStates`, if given). */
function pendingCallUpdate(
  ctx: QueryContext,
  changes: Updateable<ToolCallsTable>,
  threadId: string,
  toolCallId: string,
  executionStates: readonly ToolExecutionState[] | undefined,
) {
  const update = ctx.db
    .updateTable("tool_calls")
    .set(changes)
    .where("thread_id", "=", threadId)
    .where("tool_call_id", "=", toolCallId)
    .where("status", "=", "pending");
  return executionStates === undefined
    ? update
    : update.where("execution_state", "in", executionStates);
}

const executionStatesKey = (states: readonly ToolExecutionState[] | undefined) =>
  states?.join() ?? "";

/**
 * The compare-and-set behind `updatePendingToolCall`, in any attempt or in the one given: the
 * expected execution states are part of the statement's shape (constants), the row and the other
 * conditions its parameters.
 */
const updatePendingToolCallRow = preparePerShape(executionStatesKey, (executionStates) =>
  prepareRowQuery(
    (ctx, changes: Updateable<ToolCallsTable>, threadId: string, toolCallId: string) =>
      pendingCallUpdate(ctx, changes, threadId, toolCallId, executionStates).returningAll(),
  ),
);

const updatePendingAttemptRow = preparePerShape(executionStatesKey, (executionStates) =>
  prepareRowQuery(
    (
      ctx,
      changes: Updateable<ToolCallsTable>,
      threadId: string,
      toolCallId: string,
      attempt: number,
    ) =>
      pendingCallUpdate(ctx, changes, threadId, toolCallId, executionStates)
        .where("attempt", "=", attempt)
        .returningAll(),
  ),
);

export async function updatePendingToolCall(
  ctx: QueryContext,
  threadId: string,
  toolCallId: string,
  expected: PendingToolCallExpectation,
  patch: ToolCallPatch,
  now: number,
): Promise<ToolCallRecord | undefined> {
  const changes = { ...patchToColumns(patch, toolCallPatchColumns, ctx.dialect), updated_at: now };
  const { attempt, executionStates } = expected;
  const { rows } =
    attempt === undefined
      ? await updatePendingToolCallRow(executionStates)(ctx, changes, threadId, toolCallId)
      : await updatePendingAttemptRow(executionStates)(ctx, changes, threadId, toolCallId, attempt);
  const [row] = rows;
  return row === undefined ? undefined : toolCallFromRow(row);
}

export async function updateToolCall(
  ctx: QueryContext,
  threadId: string,
  toolCallId: string,
  patch: ToolCallPatch,
  now: number,
): Promise<ToolCallRecord> {
  const changes = { ...patchToColumns(patch, toolCallPatchColumns, ctx.dialect), updated_at: now };
  const [row] = (await updateToolCallRow(ctx, changes, threadId, toolCallId)).rows;
  if (row === undefined) throw new RecordNotFoundError("tool call", `${threadId}/${toolCallId}`);
  return toolCallFromRow(row);
}
