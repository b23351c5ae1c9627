// A real SQLite store for a test of one module: a migrated file in a fresh temp folder.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";

export interface TestSqliteStore {
  store: Store;
  /** Closes the store and removes its folder. */
  remove(): Promise<void>;
}

export async function createTestSqliteStore(): Promise<TestSqliteStore> {
  const dir = await mkdtemp(join(tmpdir(), "durable-agents-test-store-"));
  const store = createSqliteStore({ path: join(dir, "agents.db") });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    store,
    async remove() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
