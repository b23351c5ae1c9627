import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { threadRecord } from "./conformance/fixtures.js";
import { createStore, parseStoreUrl } from "./create-store.js";
import { isInvalidStoreUrlError, isUnsupportedStoreError } from "./errors.js";
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

  it("says PostgreSQL is not supported yet", async () => {
    const locations = [
      "postgres://user@127.0.0.1:5432/db",
      { type: "postgres" as const, url: "postgresql://127.0.0.1/db" },
    ];
    for (const location of locations) {
      const error = await createStore(location).catch((caught: unknown) => caught);
      expect(isUnsupportedStoreError(error)).toBe(true);
    }
  });

  it("rejects a URL that names no store", async () => {
    for (const url of ["sqlite:", "mysql://127.0.0.1/db", "./agents.db", ""]) {
      const error = await createStore(url).catch((caught: unknown) => caught);
      expect(isInvalidStoreUrlError(error)).toBe(true);
    }
  });
});
