// What the PostgreSQL store's driver sends for a transaction: BEGIN with the first statement (one
// round trip less), nothing for a transaction that ran no statement, and a ROLLBACK that leaves
// the connection usable when that first statement fails. The statements are recorded as the
// store's pool clients send them to a real server.
import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test-support/test-database.js";
import { T0, threadRecord } from "../conformance/fixtures.js";
import { rejectionOf } from "../conformance/seed.js";
import { isDuplicateRecordError } from "../errors.js";
import type { Store } from "../store.js";
import { createPostgresStore } from "./postgres-store.js";

vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

describe("PostgreSQL transactions", () => {
  let database: TestDatabase;
  let store: Store;
  let sent: MockInstance;

  /** The SQL of each statement sent since the last call, with whitespace collapsed. */
  function takeSent(): string[] {
    const texts = sent.mock.calls.map(([text]) => String(text).replace(/\s+/gu, " "));
    sent.mockClear();
    return texts;
  }

  beforeEach(async () => {
    database = await createTestDatabase();
    // One connection: a transaction that left it in a bad state would fail the next one.
    store = createPostgresStore({ url: database.url, maxConnections: 1 });
    await store.migrate();
    sent = vi.spyOn(Client.prototype, "query");
  });

  afterEach(async () => {
    sent.mockRestore();
    await store.close();
    await database.drop();
  });

  it("sends BEGIN with the first statement, its values written in", async () => {
    const thread = threadRecord({ threadId: "thread-of-o'brien" });
    await store.transaction((tx) => tx.insertThread(thread));
    takeSent();

    const updated = await store.transaction(async (tx) => {
      await tx.lockThread(thread.threadId);
      return tx.updateThread(thread.threadId, { continueFlag: true }, T0 + 1);
    });

    expect(updated).toMatchObject({ threadId: thread.threadId, continueFlag: true });
    const [first, ...rest] = takeSent();
    expect(first).toMatch(
      /^begin; select \* from "threads" where "thread_id" = 'thread-of-o''brien'/u,
    );
    expect(rest).toHaveLength(2);
    expect(rest[0]).toMatch(/^update "threads"/u);
    expect(rest[1]).toBe("commit");
  });

  it("sends nothing for a transaction that runs no statement", async () => {
    expect(await store.transaction(async () => "nothing to do")).toBe("nothing to do");
    expect(takeSent()).toStrictEqual([]);
  });

  it("rolls back when the first statement fails, and the connection serves the next one", async () => {
    const thread = threadRecord();
    await store.transaction((tx) => tx.insertThread(thread));
    takeSent();

    const error = await rejectionOf(store.transaction((tx) => tx.insertThread(thread)));

    expect(isDuplicateRecordError(error)).toBe(true);
    const statements = takeSent();
    expect(statements[0]).toMatch(/^begin; insert into "threads"/u);
    expect(statements.at(-1)).toBe("rollback");
    const read = await store.transaction((tx) => tx.lockThread(thread.threadId));
    expect(read).toStrictEqual(thread);
  });
});
