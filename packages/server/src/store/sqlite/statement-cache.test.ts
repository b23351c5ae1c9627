import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withStatementCache } from "./statement-cache.js";

describe("withStatementCache", () => {
  let database: Database.Database;
  beforeEach(() => {
    database = new Database(":memory:");
    database.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  });
  afterEach(() => {
    if (database.open) database.close();
  });

  it("returns the same compiled statement for the same SQL", () => {
    const cached = withStatementCache(database);
    const insert = cached.prepare("INSERT INTO items (name) VALUES (?)");
    expect(cached.prepare("INSERT INTO items (name) VALUES (?)")).toBe(insert);
    insert.run(["a"]);
    insert.run(["b"]);
    expect(cached.prepare("SELECT name FROM items ORDER BY id").all([])).toEqual([
      { name: "a" },
      { name: "b" },
    ]);
  });

  it("drops the least recently used statement beyond its capacity", () => {
    const cached = withStatementCache(database, 2);
    const one = cached.prepare("SELECT 1");
    const two = cached.prepare("SELECT 2");
    expect(cached.prepare("SELECT 1")).toBe(one); // now SELECT 2 is the least recently used
    cached.prepare("SELECT 3");
    expect(cached.prepare("SELECT 1")).toBe(one);
    expect(cached.prepare("SELECT 2")).not.toBe(two);
  });

  it("gives a statement still being iterated to no second caller", () => {
    database.exec("INSERT INTO items (name) VALUES ('a'), ('b')");
    const cached = withStatementCache(database);
    const sql = "SELECT name FROM items ORDER BY id";
    const iterating = cached.prepare(sql).iterate([]);
    expect(iterating.next().value).toEqual({ name: "a" });
    // Reusing the busy statement would throw "This statement is busy executing a query".
    expect(cached.prepare(sql).all([])).toEqual([{ name: "a" }, { name: "b" }]);
    expect(iterating.next().value).toEqual({ name: "b" });
    iterating.return?.();
  });

  it("closes the database", () => {
    withStatementCache(database).close();
    expect(database.open).toBe(false);
  });
});
