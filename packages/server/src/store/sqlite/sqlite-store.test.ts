import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messageRecord, newJob, T0, threadRecord } from "../conformance/fixtures.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { isSchemaVersionError, isTransactionConflictError } from "../errors.js";
import type { Store } from "../store.js";
import { createSqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";

async function createTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "durable-agents-sqlite-"));
}

async function openMigrated(options: SqliteStoreOptions): Promise<Store> {
  const store = createSqliteStore(options);
  await store.migrate();
  return store;
}

describeStoreConformance("sqlite file", async () => {
  const dir = await createTempDir();
  const path = join(dir, "agents.db");
  const store = await openMigrated({ path });
  return {
    store,
    openSecondStore: () => openMigrated({ path }),
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("SQLite store", () => {
  let dir: string;
  let path: string;
  const opened: Store[] = [];
  const open = async (options: Partial<SqliteStoreOptions> = {}): Promise<Store> => {
    const store = await openMigrated({ path, ...options });
    opened.push(store);
    return store;
  };
  /** A raw connection to the same file, as another process would have. */
  const rawConnection = (timeoutMs = 0) => new Database(path, { timeout: timeoutMs });

  beforeEach(async () => {
    dir = await createTempDir();
    path = join(dir, "agents.db");
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("works in memory", async () => {
    const store = await open({ path: ":memory:" });
    expect(store.exclusive).toBe(true);
    const thread = threadRecord();
    const message = await store.transaction(async (tx) => {
      await tx.insertThread(thread);
      return tx.appendMessage(messageRecord(thread.threadId));
    });
    expect(await store.getThread(thread.threadId)).toStrictEqual(thread);
    expect(await store.getLastMessage(thread.threadId)).toStrictEqual(message);
  });

  it("runs each migration once, however often migrate() is called", async () => {
    const store = await open();
    await store.migrate();
    await (await open()).migrate();
    const raw = rawConnection();
    try {
      expect(raw.prepare("select version, name from schema_migrations").all()).toEqual([
        { version: 1, name: "initial_schema" },
        { version: 2, name: "queued_message_policy" },
        { version: 3, name: "jobs_by_type_and_time" },
        { version: 4, name: "queued_message_count_backfill" },
      ]);
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .all();
      expect(tables).toEqual(
        [
          "deltas",
          "jobs",
          "messages",
          "queued_messages",
          "schema_migrations",
          "streams",
          "threads",
          "tool_calls",
          "tools",
        ].map((name) => ({ name })),
      );
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
    }
  });

  it("version 4 counts the queued messages a version-1 server left (X3)", async () => {
    const thread = threadRecord({ status: "streaming" });
    const store = await open();
    await store.transaction((tx) => tx.insertThread(thread));
    await store.close();
    const raw = rawConnection();
    try {
      // As a version-1 server left it: two queued rows, and (from version 2) a count of 0.
      const insert = raw.prepare(
        "insert into queued_messages (thread_id, queue_position, message_id, role, parts, metadata, usage, created_at, enqueued_at) values (?, ?, ?, 'user', '[]', null, null, 0, 0)",
      );
      insert.run(thread.threadId, 0, "m1");
      insert.run(thread.threadId, 1, "m2");
      raw.prepare("delete from schema_migrations where version = 4").run();
    } finally {
      raw.close();
    }
    const migrated = await open();
    expect((await migrated.getThread(thread.threadId))?.queuedMessageCount).toBe(2);
  });

  it("refuses a database migrated by a newer release", async () => {
    await (await open()).close();
    const raw = rawConnection();
    raw
      .prepare("insert into schema_migrations (version, name) values (999, 'from_the_future')")
      .run();
    raw.close();
    const store = createSqliteStore({ path });
    opened.push(store);
    expect(isSchemaVersionError(await store.migrate().catch((error: unknown) => error))).toBe(true);
  });

  it("keeps committed data across a restart", async () => {
    const first = createSqliteStore({ path });
    await first.migrate();
    const thread = threadRecord({ status: "awaiting_tool_results" });
    const { message, job } = await first.transaction(async (tx) => {
      await tx.insertThread(thread);
      return {
        message: await tx.appendMessage(messageRecord(thread.threadId)),
        job: await tx.scheduleJob(newJob({ threadId: thread.threadId }), T0),
      };
    });
    await first.close();

    const reopened = await open();
    expect(await reopened.getThread(thread.threadId)).toStrictEqual(thread);
    expect(await reopened.getMessage(thread.threadId, message.messageId)).toStrictEqual(message);
    expect(await reopened.findJob(job.type, job.key)).toStrictEqual(job);
  });

  it("takes the write lock when a transaction begins, before its first write", async () => {
    const store = await open();
    await store.transaction(async (tx) => {
      await tx.lockThread("any");
      const other = rawConnection();
      try {
        expect(() => other.prepare("delete from tools").run()).toThrow(
          expect.objectContaining({ code: "SQLITE_BUSY" }),
        );
      } finally {
        other.close();
      }
    });
  });

  it("retries a transaction while another writer holds the lock, then gives up", async () => {
    const store = await open({ busyTimeoutMs: 0, maxTransactionAttempts: 3 });
    const writer = rawConnection();
    writer.exec("begin immediate");
    let runs = 0;
    const error = await store
      .transaction(async () => {
        runs += 1;
      })
      .catch((caught: unknown) => caught);
    expect(isTransactionConflictError(error)).toBe(true);
    expect(error).toMatchObject({
      attempts: 3,
      cause: expect.objectContaining({ code: "SQLITE_BUSY" }),
    });
    expect(runs).toBe(0);

    writer.exec("commit");
    writer.close();
    const thread = threadRecord();
    await store.transaction((tx) => tx.insertThread(thread));
    expect(await store.getThread(thread.threadId)).toStrictEqual(thread);
  });
});
