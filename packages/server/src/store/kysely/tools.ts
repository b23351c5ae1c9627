// Queries of the tools table: the registry RegisterTools fills.
import type { JsonObject, ToolDefinitionRecord, ToolRetryPolicyRecord } from "../records.js";
import { decodeJson, decodeNullableJson, encodeJson, encodeNullableJson } from "./column-codecs.js";
import type { ToolsTable } from "./database.js";
import type { QueryContext } from "./query-context.js";

function toolFromRow(row: ToolsTable): ToolDefinitionRecord {
  return {
    name: row.name,
    description: row.description,
    inputSchema: decodeJson<JsonObject>(row.input_schema),
    kind: row.kind,
    retry: decodeNullableJson<ToolRetryPolicyRecord>(row.retry),
    timeoutMs: row.timeout_ms,
    runnerId: row.runner_id,
    registeredAt: row.registered_at,
  };
}

function toolToRow(tool: ToolDefinitionRecord): ToolsTable {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: encodeJson(tool.inputSchema),
    kind: tool.kind,
    retry: encodeNullableJson(tool.retry),
    timeout_ms: tool.timeoutMs,
    runner_id: tool.runnerId,
    registered_at: tool.registeredAt,
  };
}

export async function getTool(
  ctx: QueryContext,
  name: string,
): Promise<ToolDefinitionRecord | undefined> {
  const row = await ctx.db
    .selectFrom("tools")
    .selectAll()
    .where("name", "=", name)
    .executeTakeFirst();
  return row && toolFromRow(row);
}

export async function listTools(
  ctx: QueryContext,
  afterName: string | undefined,
  limit: number,
): Promise<ToolDefinitionRecord[]> {
  let select = ctx.db.selectFrom("tools").selectAll();
  if (afterName !== undefined) select = select.where("name", ">", afterName);
  const rows = await select.orderBy("name").limit(limit).execute();
  return rows.map(toolFromRow);
}

/** Registers a tool, replacing an earlier registration of the same name. */
export async function upsertTool(ctx: QueryContext, tool: ToolDefinitionRecord): Promise<void> {
  const { name, ...changes } = toolToRow(tool);
  await ctx.db
    .insertInto("tools")
    .values({ name, ...changes })
    .onConflict((conflict) => conflict.column("name").doUpdateSet(changes))
    .execute();
}
