// The floors the durable figures are compared with: what the same work costs with nothing durable
// around it. Measured in the same process and run as the durable figures, so ratios are fair.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { jsonSchema, type ModelMessage, stepCountIs, streamText, tool, type UIMessage } from "ai";
import Database from "better-sqlite3";
import pg from "pg";
import { createHoldModel } from "./hold-model.js";
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

/** The model messages of the loop's second turn: the user's prompt, the tool call, its result. */
const SECOND_TURN_MESSAGES: ModelMessage[] = [
  { role: "user", content: "go" },
  {
    role: "assistant",
    content: [{ type: "tool-call", toolCallId: "call_floor", toolName: NOOP_TOOL_NAME, input: {} }],
  },
  {
    role: "tool",
    content: [
      {
        type: "tool-result",
        toolCallId: "call_floor",
        toolName: NOOP_TOOL_NAME,
        output: { type: "json", value: {} },
      },
    ],
  },
];

/**
 * The AI SDK work of the durable loop alone: its two turns as two streamText calls (the tool call,
 * then the 50-delta answer), each consumed through toUIMessageStream with the response message
 * built (`onFinish`), as the engine runs every turn as its own durable step (B3, B7) and saves its
 * UI message. Nothing is stored or sent: what no durable design on the AI SDK can save.
 */
export async function measureAiSdkTwoTurns(options: MeasureOptions): Promise<Sample> {
  const model = createInstantToolLoopModel();
  const tools = {
    [NOOP_TOOL_NAME]: tool({
      description: "Does nothing.",
      inputSchema: jsonSchema<Record<string, never>>({ type: "object", properties: {} }),
    }),
  };
  const runTurn = async (messages: ModelMessage[]) => {
    const result = streamText({ model, tools, messages, maxRetries: 0 });
    let response: UIMessage | undefined;
    const chunks = result.toUIMessageStream({
      originalMessages: [],
      onFinish: ({ responseMessage }) => {
        response = responseMessage;
      },
    });
    for await (const _chunk of chunks) {
      // Consumed as the engine consumes it.
    }
    return response;
  };
  return measure(
    options,
    () => undefined,
    async () => {
      const first = await runTurn([{ role: "user", content: "go" }]);
      const second = await runTurn(SECOND_TURN_MESSAGES);
      const toolParts = first?.parts.filter((part) => part.type === `tool-${NOOP_TOOL_NAME}`);
      const text = second?.parts.filter((part) => part.type === "text").length;
      if (toolParts?.length !== 1 || text !== 1) {
        throw new Error("the AI SDK turns did not make a tool call, then an answer");
      }
    },
  );
}

/**
 * V8 heap held by one AI SDK turn in the middle of its answer (streamText + toUIMessageStream with
 * `onFinish`, 50 deltas read, the model stream open), per turn over `turns` held at once, after a
 * full collection: the part of an active stream's memory that is the AI SDK's own.
 */
export async function measureAiSdkHeldTurnHeap(turns: number): Promise<{ heapKiB: number }> {
  const collect = fullGc();
  const model = createHoldModel();
  const held: { abort: AbortController; reading: Promise<void> }[] = [];
  const holdOne = async () => {
    const abort = new AbortController();
    const result = streamText({ model, prompt: "go", maxRetries: 0, abortSignal: abort.signal });
    const chunks = result.toUIMessageStream({ originalMessages: [], onFinish: () => {} });
    let textDeltas = 0;
    let sawHeldPart: () => void = () => {};
    const heldPart = new Promise<void>((resolve) => {
      sawHeldPart = resolve;
    });
    const reading = (async () => {
      for await (const chunk of chunks) {
        if (chunk.type === "text-delta" && ++textDeltas === ANSWER_DELTA_COUNT) sawHeldPart();
      }
    })().catch(() => {
      // Aborted at the end of the measurement.
    });
    await heldPart;
    held.push({ abort, reading });
  };
  collect();
  const before = process.memoryUsage().heapUsed;
  try {
    for (let index = 0; index < turns; index++) await holdOne();
    collect();
    const after = process.memoryUsage().heapUsed;
    return { heapKiB: Math.round(((after - before) / 1024 / turns) * 100) / 100 };
  } finally {
    for (const turn of held) turn.abort.abort(new Error("measured"));
    await Promise.all(held.map((turn) => turn.reading));
  }
}

/** V8's full garbage collection, made callable without starting node with --expose-gc. */
function fullGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("V8 did not expose gc()");
  return () => gc();
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
