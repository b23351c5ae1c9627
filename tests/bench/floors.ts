// The floors the durable figures are compared with: what the same work costs with nothing durable
// around it. Measured in the same process and run as the durable figures, so ratios are fair.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonSchema, stepCountIs, streamText, tool } from "ai";
import Database from "better-sqlite3";
import pg from "pg";
import { ANSWER_DELTA_COUNT, createInstantToolLoopModel, NOOP_TOOL_NAME } from "./instant-model.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";

/**
 * In-process AI SDK tool loop: streamText with the instant model, a no-op `execute`, two steps
 * (tool call, then the 50-delta answer), consumed through toUIMessageStream as the engine does.
 */
export async function measureAiSdkToolLoop(options: MeasureOptions): Promise<Sample> {
  const model = createInstantToolLoopModel();
  const tools = {
    [NOOP_TOOL_NAME]: tool({
      description: "Does nothing.",
      inputSchema: jsonSchema<Record<string, never>>({ type: "object", properties: {} }),
      execute: async () => ({}),
    }),
  };
  return measure(
    options,
    () => undefined,
    async () => {
      const result = streamText({ model, tools, prompt: "go", stopWhen: stepCountIs(2) });
      let textDeltas = 0;
      let toolOutputs = 0;
      for await (const chunk of result.toUIMessageStream()) {
        if (chunk.type === "text-delta") textDeltas += 1;
        if (chunk.type === "tool-output-available") toolOutputs += 1;
      }
      // A floor that skipped the tool or the answer would flatter every ratio.
      if (textDeltas !== ANSWER_DELTA_COUNT || toolOutputs !== 1) {
        throw new Error(`AI SDK loop saw ${toolOutputs} tool outputs and ${textDeltas} deltas`);
      }
    },
  );
}

export type SqliteSynchronous = "NORMAL" | "FULL";

/**
 * One SQLite write transaction of one row (insert, then update it) on a WAL file, as the server's
 * store opens it (journal_mode=WAL; synchronous NORMAL is the server's setting).
 */
export async function measureSqliteTxn(
  options: MeasureOptions,
  synchronous: SqliteSynchronous,
): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), "durable-agents-bench-sqlite-"));
  const database = new Database(join(dir, "floor.db"));
  try {
    database.pragma("journal_mode = WAL");
    database.pragma(`synchronous = ${synchronous}`);
    database.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, status TEXT NOT NULL, body TEXT)");
    const insert = database.prepare("INSERT INTO rows (status, body) VALUES ('new', ?)");
    const update = database.prepare("UPDATE rows SET status = 'done' WHERE id = ?");
    const body = "x".repeat(200);
    const txn = database.transaction(() => {
      const { lastInsertRowid } = insert.run(body);
      update.run(lastInsertRowid);
    });
    return await measure(
      options,
      () => undefined,
      () => txn(),
    );
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One PostgreSQL write transaction of one row (BEGIN, insert, update it, COMMIT: four round trips,
 * as a store transaction is) on one `pg` connection to a fresh database.
 */
export async function measurePostgresTxn(url: string, options: MeasureOptions): Promise<Sample> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "CREATE TABLE rows (id BIGSERIAL PRIMARY KEY, status TEXT NOT NULL, body TEXT)",
    );
    const body = "x".repeat(200);
    return await measure(
      options,
      () => undefined,
      async () => {
        await client.query("BEGIN");
        const inserted = await client.query<{ id: string }>({
          name: "insert-row",
          text: "INSERT INTO rows (status, body) VALUES ('new', $1) RETURNING id",
          values: [body],
        });
        await client.query({
          name: "update-row",
          text: "UPDATE rows SET status = 'done' WHERE id = $1",
          values: [inserted.rows[0]?.id],
        });
        await client.query("COMMIT");
      },
    );
  } finally {
    await client.end();
  }
}
