import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStoreDialect } from "../sqlite/sqlite-store-dialect.js";
import type { Database as Tables, ToolsTable } from "./database.js";
import { runMigrations } from "./migrations/run-migrations.js";
import { preparePerShape, prepareQuery, prepareRowQuery } from "./prepared-query.js";
import type { QueryContext } from "./query-context.js";

// The store's schema in a SQLite database in memory; the tools table has no foreign keys.
describe("prepared queries", () => {
  let ctx: QueryContext;

  beforeEach(async () => {
    const database = new Database(":memory:");
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
    await runMigrations(db, sqliteStoreDialect);
    ctx = { db, dialect: sqliteStoreDialect };
  });

  afterEach(async () => {
    await ctx.db.destroy();
  });

  const tool = (name: string, overrides: Partial<ToolsTable> = {}): ToolsTable => ({
    name,
    description: `the ${name} tool`,
    input_schema: "{}",
    kind: "sync",
    retry: null,
    timeout_ms: null,
    runner_id: null,
    registered_at: 1,
    ...overrides,
  });

  const listTools = () =>
    ctx.db
      .selectFrom("tools")
      .select(["name", "description", "timeout_ms"])
      .orderBy("name")
      .execute();

  it("builds the query once and runs it with each call's values", async () => {
    await ctx.db
      .insertInto("tools")
      .values([
        tool("a", { registered_at: 1 }),
        tool("b", { registered_at: 2 }),
        tool("c", { registered_at: 3 }),
      ])
      .execute();
    let builds = 0;
    const select = prepareQuery((context, after: string, registeredBefore: number) => {
      builds += 1;
      return context.db
        .selectFrom("tools")
        .select("name")
        .where("name", ">", after)
        .where("registered_at", "<", registeredBefore)
        .orderBy("name");
    });

    expect((await select(ctx, "", 9)).rows).toStrictEqual([
      { name: "a" },
      { name: "b" },
      { name: "c" },
    ]);
    expect((await select(ctx, "a", 3)).rows).toStrictEqual([{ name: "b" }]);
    expect((await select(ctx, "c", 9)).rows).toStrictEqual([]);
    expect(builds).toBe(1);
  });

  it("keeps the query's own values and passes an argument used twice twice", async () => {
    await ctx.db
      .insertInto("tools")
      .values([tool("a"), tool("b")])
      .execute();
    const describe = prepareQuery((context, name: string, description: string) =>
      context.db
        .updateTable("tools")
        .set({ description, timeout_ms: 500 })
        .where("name", "=", name)
        .where("description", "!=", description),
    );

    expect((await describe(ctx, "b", "new")).numAffectedRows).toBe(1n);
    expect((await describe(ctx, "b", "new")).numAffectedRows).toBe(0n);
    expect(await listTools()).toStrictEqual([
      { name: "a", description: "the a tool", timeout_ms: null },
      { name: "b", description: "new", timeout_ms: 500 },
    ]);
  });

  it("refuses a query that does not pass an argument on as it is", async () => {
    const transformed = prepareQuery((context, name: string) =>
      context.db.selectFrom("tools").selectAll().where("name", "=", `${name}`),
    );
    await expect(transformed(ctx, "a")).rejects.toThrow("uses 0 of its 1 arguments");
  });

  it("prepares a row query once per set of columns, leaving undefined columns out", async () => {
    let builds = 0;
    const insert = prepareRowQuery((context, row: Partial<ToolsTable>, registeredAt: number) => {
      builds += 1;
      return context.db
        .insertInto("tools")
        .values({ ...tool("template"), ...row, registered_at: registeredAt });
    });

    await insert(ctx, { name: "a", timeout_ms: 100 }, 1);
    await insert(ctx, { name: "b", timeout_ms: undefined }, 2);
    await insert(ctx, { name: "c", timeout_ms: 300 }, 3);

    expect(await listTools()).toStrictEqual([
      { name: "a", description: "the template tool", timeout_ms: 100 },
      { name: "b", description: "the template tool", timeout_ms: null },
      { name: "c", description: "the template tool", timeout_ms: 300 },
    ]);
    expect(builds).toBe(2);
  });

  it("prepares one query per shape named by its key", () => {
    const made: string[] = [];
    const perShape = preparePerShape(
      (statuses: readonly string[]) => statuses.join(),
      (statuses) => {
        made.push(statuses.join());
        return { statuses };
      },
    );
    const pair = perShape(["pending", "streaming"]);
    expect(perShape(["pending", "streaming"])).toBe(pair);
    expect(perShape(["streaming"])).not.toBe(pair);
    expect(made).toStrictEqual(["pending,streaming", "streaming"]);
  });
});
