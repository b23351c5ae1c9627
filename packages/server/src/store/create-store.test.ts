import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../test-support/test-database.js";
import { threadRecord } from "./conformance/fixtures.js";
import { createStore, parseStoreUrl } from "./create-store.js";
import { isInvalidStoreUrlError } from "./errors.js";
import type { Store } from "./store.js";

describe("createStore", () => {
  let dir: string;
  const opened: Store[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "durable-agents-create-store-"));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function roundTrip(location: Parameters<typeof createStore>[0]): Promise<void> {
    const store = await createStore(location);
    opened.push(store);
    await store.migrate();
    const thread = threadRecord();
    await store.transaction((tx) => tx.insertThread(thread));
    expect(await store.getThread(thread.threadId)).toStrictEqual(thread);
  }

  it("opens sqlite:PATH, creating the missing folders", async () => {
    await roundTrip(`sqlite:${join(dir, "nested", "deeper", "agents.db")}`);
  });

  it("opens sqlite::memory:", async () => {
    await roundTrip("sqlite::memory:");
  });

  it("opens a parsed location as the configuration holds it", async () => {
    await roundTrip({ type: "sqlite", path: join(dir, "parsed", "agents.db") });
    await roundTrip({ type: "sqlite", path: ":memory:" });
  });

  it("parses store URLs", () => {
    expect(parseStoreUrl("sqlite:./data/agents.db")).toEqual({
      type: "sqlite",
      path: "./data/agents.db",
    });
    expect(parseStoreUrl("sqlite::memory:")).toEqual({ type: "sqlite", path: ":memory:" });
    expect(parseStoreUrl("postgresql://127.0.0.1/db")).toEqual({
      type: "postgres",
      url: "postgresql://127.0.0.1/db",
    });
  });

  it("opens postgres:// and postgresql:// URLs and parsed locations, not exclusive", async () => {
    const database = await createTestDatabase();
    try {
      const url = new URL(database.url);
      const locations = [
        database.url,
        url.href.replace(/^postgres(?:ql)?:/u, "postgresql:"),
        { type: "postgres" as const, url: database.url },
      ];
      for (const location of locations) {
        const store = await createStore(location, { maxConnections: 2 });
        opened.push(store);
        expect(store.exclusive).toBe(false);
        await store.migrate();
        const thread = threadRecord();
        await store.transaction((tx) => tx.insertThread(thread));
        expect(await store.getThread(thread.threadId)).toStrictEqual(thread);
      }
    } finally {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await database.drop();
    }
  });

  it("rejects a URL that names no store", async () => {
    for (const url of ["sqlite:", "mysql://127.0.0.1/db", "./agents.db", ""]) {
      const error = await createStore(url).catch((caught: unknown) => caught);
      expect(isInvalidStoreUrlError(error)).toBe(true);
    }
  });

  it("never repeats a refused URL's password (X5)", async () => {
    for (const url of ["mysql://root:hunter2@db/agents", "postgres:/root:hunter2@db/agents"]) {
      const error = await createStore(url).catch((caught: unknown) => caught);
      expect(isInvalidStoreUrlError(error)).toBe(true);
      expect(String(error)).not.toContain("hunter2");
      expect(JSON.stringify(error)).not.toContain("hunter2");
    }
  });
});
