// The StoreDialect of PostgreSQL: row locks instead of SQLite's single writer, JSON as text,
// booleans as BOOLEAN, integers and times as BIGINT (read back as numbers: postgres-store.ts sets
// the parser).
import { sql } from "kysely";
import type { StoreDialect } from "../kysely/store-dialect.js";
import { connectionFailure, isRetryableConflict, isUniqueViolation } from "./postgres-errors.js";

/**
 * The key of the advisory lock that serialises migrate() across replicas starting at once. Advisory
 * locks are per database, so only stores of the same database wait for each other.
 */
const MIGRATION_LOCK_KEY = 0x64_75_72_61_62_6c; // "durabl" in ASCII

export const postgresStoreDialect: StoreDialect = {
  columnTypes: {
    // The "C" collation compares bytes, as SQLite does; the database's default (say en_US) would
    // order "B" before "a" differently and break keyset pages that SQLite answers byte by byte.
    text: sql`text collate "C"`,
    integer: "bigint",
    // JSON as text, not jsonb: the store reads back exactly the text it wrote (database.ts
    // JsonText), keeping key order, and jsonb would refuse "\u0000" in a string.
    json: "text",
    boolean: "boolean",
    millis: "bigint",
  },

  encodeBoolean: (value) => value,

  // FOR NO KEY UPDATE serialises every writer of the thread (they all lock it first) without
  // blocking the foreign-key checks of other transactions inserting the thread's child rows: those
  // take FOR KEY SHARE, which FOR UPDATE would conflict with (and deadlock against).
  lockForUpdate: (query) => query.forNoKeyUpdate(),

  lockSkippingLocked: (query) => query.forUpdate().skipLocked(),

  // Held until the migration transaction ends; the next replica then finds the steps recorded.
  lockMigrations: async (db) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(db);
  },

  isUniqueViolation,
  isRetryableConflict,
  connectionFailure,
};
