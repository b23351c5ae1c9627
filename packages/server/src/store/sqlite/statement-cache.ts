// Prepared statements kept by SQL text. Kysely's SQLite driver calls `prepare` for every query,
// and better-sqlite3 compiles the SQL each time: 15–70 µs a query, about 3 ms of the 20 ms a
// durable tool loop took in `pnpm bench` (some 150 queries). The store's queries come from a
// fixed set of shapes, so a small cache serves nearly every query with a compiled statement.
import type Database from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** Statements kept at most; the least recently used one goes first. */
export const DEFAULT_STATEMENT_CACHE_SIZE = 256;

/** The database as Kysely's SQLite dialect uses it, with `prepare` served from a cache. */
export function withStatementCache(
  database: Database.Database,
  capacity = DEFAULT_STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close() {
      statements.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      // A statement still being iterated (Kysely's stream()) cannot run another query: that
      // caller gets a statement of its own, uncached.
      if (cached?.busy === true) return database.prepare(sql);
      if (cached !== undefined) {
        // A Map iterates in insertion order: re-inserting a hit keeps the least recently used
        // statement first.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const [oldest] = statements.keys();
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
  };
}
