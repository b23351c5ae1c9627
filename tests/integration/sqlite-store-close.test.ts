// Closing the SQLite store in a process with nothing else to do: its close waits for the WAL
// checkpoint worker (packages/server/src/store/sqlite/wal-checkpointer.ts) to stop, and a worker
// that did not hold the process open while it stopped let Node exit in the middle of close(),
// with the code after it never run. A real process (packages/server/dist, built before the tests
// by turbo), as only an otherwise idle event loop shows it.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const server = fileURLToPath(new URL("../../packages/server/dist/index.js", import.meta.url));

describe("the SQLite store in a process of its own", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "durable-agents-store-close-"));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("finishes close() before the process may exit, with the whole log in the database file", async () => {
    const script = `
      const { createStore } = await import(${JSON.stringify(server)});
      const store = await createStore(${JSON.stringify(`sqlite:${join(dir, "agents.db")}`)});
      await store.migrate();
      await store.close();
      const { existsSync } = await import("node:fs");
      console.log(JSON.stringify({ closed: true, walLeft: existsSync(${JSON.stringify(join(dir, "agents.db-wal"))}) }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      { timeout: 30_000 },
    );

    // The store's connection closed last, so SQLite checkpointed and removed the log.
    expect(JSON.parse(stdout.trim())).toEqual({ closed: true, walLeft: false });
  });
});
