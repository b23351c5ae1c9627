import { Client, types } from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-support/test-database.js";
import { T0, threadRecord, toolCallRecord, toolDefinition } from "../conformance/fixtures.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import type { Store } from "../store.js";
import { createPostgresStore, type PostgresStoreOptions } from "./postgres-store.js";

async function openMigrated(options: PostgresStoreOptions): Promise<Store> {
  const store = createPostgresStore(options);
  await store.migrate();
  return store;
}

// Every test creates, migrates and drops a database of a PostgreSQL server other test runs share:
// more time than vitest's defaults when the machine is busy.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

describeStoreConformance("postgres", async () => {
  const database = await createTestDatabase();
  const store = await openMigrated({ url: database.url, maxConnections: 4 });
  return {
    store,
    openSecondStore: () => openMigrated({ url: database.url, maxConnections: 4 }),
    async cleanup() {
      await store.close();
      await database.drop();
    },
  };
});

describe("PostgreSQL store", () => {
  let database: TestDatabase | undefined;
  const opened: Store[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await database?.drop();
    database = undefined;
  });

  async function query<Row>(url: string, text: string): Promise<Row[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  it("is not exclusive: several replicas share the database", async () => {
    database = await createTestDatabase();
    const store = createPostgresStore({ url: database.url });
    opened.push(store);
    expect(store.exclusive).toBe(false);
  });

  it("migrates once when several replicas start on a fresh database at the same moment", async () => {
    database = await createTestDatabase();
    const url = database.url;
    const stores = Array.from({ length: 4 }, () => createPostgresStore({ url, maxConnections: 2 }));
    opened.push(...stores);
    await Promise.all(stores.map((store) => store.migrate()));
    expect(
      await query(url, "select version, name from schema_migrations order by version"),
    ).toEqual([
      { version: 1, name: "initial_schema" },
      { version: 2, name: "queued_message_policy" },
      { version: 3, name: "jobs_by_type_and_time" },
      { version: 4, name: "queued_message_count_backfill" },
    ]);
    // Every replica works on the one schema.
    const threads = await Promise.all(
      stores.map(async (store) => {
        const thread = threadRecord();
        await store.transaction((tx) => tx.insertThread(thread));
        return thread;
      }),
    );
    for (const thread of threads) {
      expect(await stores[0]?.getThread(thread.threadId)).toStrictEqual(thread);
    }
  });

  it("orders ids byte by byte, as SQLite does, whatever the database's collation", async () => {
    // en-US puts "a" before "B" and ignores "-" and "_" at first; bytes put "B" (0x42) first.
    database = await createTestDatabase({ icuLocale: "en-US" });
    const store = await openMigrated({ url: database.url });
    opened.push(store);
    const names = ["b", "B", "a", "A", "_x", "a-2", "a_1", "a1", "Z"];
    const byBytes = [...names].sort((left, right) => (left < right ? -1 : 1));
    const thread = threadRecord();
    await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      for (const name of names) {
        await tx.upsertTool(toolDefinition(name));
        await tx.insertToolCall(
          toolCallRecord(thread.threadId, { toolCallId: name, createdAt: T0 }),
        );
      }
    });
    expect((await store.listTools(undefined, 100)).map((tool) => tool.name)).toEqual(byBytes);
    // Keyset pages continue in the same order.
    expect((await store.listTools("a", 100)).map((tool) => tool.name)).toEqual(
      byBytes.filter((name) => name > "a"),
    );
    const calls = await store.listToolCalls(thread.threadId, {
      after: { createdAt: T0, toolCallId: "B" },
      limit: 100,
    });
    expect(calls.map((call) => call.toolCallId)).toEqual(byBytes.filter((name) => name > "B"));
  });

  it("reads BIGINT as numbers through its own type parsers, leaving node-postgres's global ones alone", async () => {
    database = await createTestDatabase();
    const store = await openMigrated({ url: database.url });
    opened.push(store);
    const thread = threadRecord({ createdAt: 2 ** 50, updatedAt: 2 ** 50 + 1 });
    await store.transaction((tx) => tx.insertThread(thread));
    expect(await store.getThread(thread.threadId)).toStrictEqual(thread);
    expect(types.getTypeParser(types.builtins.INT8)("42")).toBe("42");
  });
});
