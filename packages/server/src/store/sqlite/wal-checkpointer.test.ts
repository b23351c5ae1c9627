import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startWalCheckpointer, type WalCheckpointer } from "./wal-checkpointer.js";

describe("WAL checkpointer", () => {
  let dir: string;
  let path: string;
  let writer: Database.Database;
  const started: WalCheckpointer[] = [];

  /** Rows the database file holds by itself, read from a copy made without its log. */
  const rowsInDatabaseFile = async (): Promise<number> => {
    const copy = join(dir, "copy.db");
    await rm(copy, { force: true });
    await rm(`${copy}-wal`, { force: true });
    await copyFile(path, copy);
    const reader = new Database(copy);
    try {
      return (reader.prepare("select count(*) as n from items").get() as { n: number }).n;
    } finally {
      reader.close();
    }
  };

  const insertRows = (count: number) => {
    const insert = writer.prepare("insert into items (body) values (?)");
    for (let index = 0; index < count; index++) insert.run("x".repeat(500));
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "durable-agents-wal-"));
    path = join(dir, "agents.db");
    writer = new Database(path);
    writer.pragma("journal_mode = WAL");
    // Only the checkpointer moves the log into the file.
    writer.pragma("wal_autocheckpoint = 0");
    writer.exec("create table items (id integer primary key, body text not null)");
    // The table itself is in the file; its rows are in the log until a checkpoint.
    writer.pragma("wal_checkpoint(TRUNCATE)");
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((checkpointer) => checkpointer.close()));
    writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (intervalMs: number, onError: (message: string) => void = () => {}) => {
    const checkpointer = startWalCheckpointer({ path, busyTimeoutMs: 1000, intervalMs, onError });
    started.push(checkpointer);
    return checkpointer;
  };

  it("copies the log into the database file when asked", async () => {
    const checkpointer = start(60_000);
    insertRows(100);
    expect(await rowsInDatabaseFile()).toBe(0);

    const result = await checkpointer.checkpoint();

    expect(result.busy).toBe(false);
    expect(result.logFrames).toBeGreaterThan(0);
    expect(result.checkpointedFrames).toBe(result.logFrames);
    expect(await rowsInDatabaseFile()).toBe(100);
  });

  it("checkpoints on its own every interval while the writer goes on", async () => {
    start(5);
    insertRows(50);
    await vi.waitFor(async () => expect(await rowsInDatabaseFile()).toBe(50), { timeout: 5000 });
    insertRows(50);
    await vi.waitFor(async () => expect(await rowsInDatabaseFile()).toBe(100), { timeout: 5000 });
  });

  it("reports a checkpoint that fails and refuses requests once closed", async () => {
    const notADatabase = join(dir, "not-a-database.db");
    await writeFile(notADatabase, "this is not a SQLite file, it is long enough to have a header");
    let reportError: (message: string) => void = () => {};
    const reported = new Promise<string>((resolve) => {
      reportError = resolve;
    });
    const checkpointer = startWalCheckpointer({
      path: notADatabase,
      busyTimeoutMs: 1000,
      intervalMs: 1,
      onError: (message) => reportError(message),
    });

    expect(await reported).toMatch(/not a database/u);
    await expect(checkpointer.checkpoint()).rejects.toThrow(/not a database/u);

    await checkpointer.close();
    await expect(checkpointer.checkpoint()).rejects.toThrow(/stopped/u);
  });
});
