// The StoreDialect of SQLite: one writer at a time, so no row locks; JSON as TEXT, booleans as
// 0/1, times as INTEGER (64-bit).
import Database from "better-sqlite3";
import type { StoreDialect } from "../kysely/store-dialect.js";

function sqliteErrorCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}

export const sqliteStoreDialect: StoreDialect = {
  // SQLite's default collation (BINARY) already compares text byte by byte.
  columnTypes: {
    text: "text",
    integer: "integer",
    json: "text",
    boolean: "integer",
    millis: "integer",
  },

  encodeBoolean: (value) => (value ? 1 : 0),

  // Transactions begin with BEGIN IMMEDIATE (immediate-sqlite-dialect.ts): the transaction
  // already holds the database's only write lock, which serialises it with every other writer.
  lockForUpdate: (query) => query,

  // A claim is a single UPDATE statement, and SQLite runs it under the write lock.
  lockSkippingLocked: (query) => query,

  // The migration transaction begins IMMEDIATE too: it holds the write lock already.
  lockMigrations: async () => {},

  isUniqueViolation: (error) => {
    const code = sqliteErrorCode(error);
    return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
  },

  // SQLITE_BUSY (and its extended codes): another process kept the write lock past busy_timeout.
  isRetryableConflict: (error) => sqliteErrorCode(error)?.startsWith("SQLITE_BUSY") === true,

  // An embedded database has no connection to lose.
  connectionFailure: () => "none",
};
