// The engine on the scaled deployment's store (DESIGN §2: the same engine code on SQLite and
// PostgreSQL): the demo conversations of §8 through a real server on a fresh PostgreSQL database
// end exactly as they do on SQLite, and a database out of reach is UNAVAILABLE (issue #5).
import { Code } from "@connectrpc/connect";
import { ThreadStatus } from "@durable-agents/core/proto";
import { createServer, createStore, type Store } from "@durable-agents/server";
import type { UIMessage } from "ai";
import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../integration-nats/support/nats.js";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { createTestDatabase } from "../support/postgres.js";
import { describeRpcError, rpcError } from "../support/rpc-errors.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { testConfig } from "../support/test-config.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 30_000);

/** A server on a fresh PostgreSQL database, dropped after the test. */
async function startOnPostgres(): Promise<TestServer> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const test = await startTestServer({ store: database.url });
  cleanups.push(() => test.close());
  return test;
}

async function startOnSqlite(): Promise<TestServer> {
  const test = await startTestServer();
  cleanups.push(() => test.close());
  return test;
}

/** Messages without their random ids, to compare two runs of one conversation. */
function withoutIds(messages: readonly UIMessage[]): Omit<UIMessage, "id">[] {
  return messages.map(({ id: _id, ...message }) => message);
}

type Conversation = (test: TestServer) => Promise<UIMessage[]>;

const hi: Conversation = async (test) => {
  const { thread } = await test.threads.createThread({ agent: "demo", prompt: "hi" });
  const threadId = thread?.threadId ?? "";
  const done = await waitForThread(test.streams, threadId, isIdle);
  expect(done.status).toBe(ThreadStatus.COMPLETED);
  return listAllMessages(test.threads, threadId);
};

const weather: Conversation = async (test) => {
  const { thread } = await test.threads.createThread({ agent: "demo", prompt: "weather in Paris" });
  const threadId = thread?.threadId ?? "";
  const done = await waitForThread(test.streams, threadId, isIdle);
  expect(done.status).toBe(ThreadStatus.COMPLETED);
  return listAllMessages(test.threads, threadId);
};

const approval: Conversation = async (test) => {
  const { thread } = await test.threads.createThread({ agent: "demo", prompt: "please approve" });
  const threadId = thread?.threadId ?? "";
  await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
  const { toolCalls } = await test.toolCalls.listToolCalls({ threadId });
  expect(toolCalls.map((call) => call.toolName)).toEqual(["request_approval"]);
  const toolCallId = toolCalls[0]?.toolCallId ?? "";
  const first = await test.toolCalls.addToolResult({
    threadId,
    toolCallId,
    result: { kind: { case: "stringValue", value: "approved" } },
  });
  expect(first.applied).toBe(true);
  const done = await waitForThread(test.streams, threadId, isIdle);
  expect(done.status).toBe(ThreadStatus.COMPLETED);
  // B17: a second completion is ignored, without a second continuation.
  const second = await test.toolCalls.addToolResult({
    threadId,
    toolCallId,
    result: { kind: { case: "stringValue", value: "again" } },
  });
  expect(second.applied).toBe(false);
  return listAllMessages(test.threads, threadId);
};

// Each test starts servers on a fresh PostgreSQL database and a fresh SQLite file.
describe("the engine on PostgreSQL (DESIGN §2, issue #5)", { timeout: 30_000 }, () => {
  it('B1 answers "hi" with "You said: hi", as on SQLite', async () => {
    const messages = await hi(await startOnPostgres());
    expect(outline(messages)).toEqual([
      ["user", "text:hi"],
      ["assistant", "text:You said: hi"],
    ]);
    expect(withoutIds(messages)).toEqual(withoutIds(await hi(await startOnSqlite())));
  });

  it("B6 B15 B19 calls get_weather and answers with its result, as on SQLite", async () => {
    const messages = await weather(await startOnPostgres());
    expect(outline(messages)).toEqual([
      ["user", "text:weather in Paris"],
      [
        "assistant",
        "tool-get_weather:output-available",
        "text:The weather in Paris is sunny, 22°C.",
      ],
    ]);
    const toolPart = messages[1]?.parts.find((part) => part.type === "tool-get_weather");
    expect(toolPart).toMatchObject({
      input: { location: "Paris" },
      output: { weather: "sunny", temperature: 22 },
    });
    expect(withoutIds(messages)).toEqual(withoutIds(await weather(await startOnSqlite())));
  });

  it("B16 B17 waits for AddToolResult on the async approval tool, as on SQLite", async () => {
    const messages = await approval(await startOnPostgres());
    expect(outline(messages)).toEqual([
      ["user", "text:please approve"],
      ["assistant", "tool-request_approval:output-available", 'text:Approval result: "approved"'],
    ]);
    expect(textOf(messages.at(-1))).toBe('Approval result: "approved"');
    expect(withoutIds(messages)).toEqual(withoutIds(await approval(await startOnSqlite())));
  });

  it("answers UNAVAILABLE once the database stays out of reach past the store's retries", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const databaseUrl = new URL(database.url);
    const proxy = await startTcpProxy(`http://${databaseUrl.host}`);
    cleanups.push(() => proxy.close());
    const throughProxy = new URL(database.url);
    throughProxy.host = new URL(proxy.url).host;
    const store: Store = await createStore(throughProxy.href, {
      connectionRetry: {
        budgetMs: 300,
        backoff: {
          strategy: "exponential",
          initialDelayMs: 20,
          multiplier: 2,
          maxDelayMs: 100,
          jitter: "none",
        },
      },
    });
    cleanups.push(() => store.close());
    const test = await startTestServer({ store });
    cleanups.push(() => test.close());
    const { thread } = await test.threads.createThread({ agent: "demo", prompt: "hi" });
    const threadId = thread?.threadId ?? "";
    await waitForThread(test.streams, threadId, isIdle);

    await proxy.close();
    const error = await rpcError(test.threads.getThread({ threadId }));
    expect(describeRpcError(error)).toMatchObject({
      code: Code[Code.Unavailable],
      reason: "STORE_UNAVAILABLE",
    });
    expect(error.rawMessage).toBe("the database is unavailable");
  });

  it("a start-up that fails after the store opened closes its database connections again", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const closedPort = await freePort();
    await expect(
      createServer({
        config: testConfig({
          store: database.url,
          file: { nats: { url: `nats://127.0.0.1:${closedPort}` } },
        }),
        logger: pino({ level: "silent" }),
      }),
    ).rejects.toThrow();
    expect(await connectionsTo(database.url)).toBe(0);
  });
});

/** How many sessions PostgreSQL has open on the database, not counting the one asking. */
async function connectionsTo(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    return Number(rows[0]?.count);
  } finally {
    await client.end();
  }
}
