// The few things the SQL dialects do differently, behind one small object, so the Kysely query
// layer is shared: SQLite implements it in ../sqlite/, PostgreSQL in ../postgres/ (DESIGN §4).
import type { ColumnDataType, Expression, Kysely, SelectQueryBuilder } from "kysely";
import type { BooleanColumn, Database } from "./database.js";

/** The column types the migrations use where the dialects differ. */
export interface DialectColumnTypes {
  /**
   * Text compared and ordered byte by byte, as SQLite does: ids, names and keys then sort the same
   * on every dialect (keyset pages, recovery scans), whatever the database's default collation.
   */
  text: ColumnDataType | Expression<unknown>;
  /**
   * Counters, sequence numbers and positions: 64 bits, as SQLite's INTEGER always is, so a number a
   * client sends in a cursor or page token (e.g. delta seq MAX_SAFE_INTEGER, "the whole stream")
   * compares with them instead of overflowing a 32-bit column.
   */
  integer: ColumnDataType;
  /** JSON values, read and written as text (database.ts `JsonText`). */
  json: ColumnDataType;
  boolean: ColumnDataType;
  /** Milliseconds since the epoch: needs 64 bits. */
  millis: ColumnDataType;
}

/**
 * How a driver error involves the connection to the database:
 * - "none": it does not (a constraint, a conflict, a mistake);
 * - "not-sent": the connection had failed already (or could not be opened), so the statement never
 *   reached the database;
 * - "lost": the connection failed with the statement in flight, which may or may not have run.
 */
export type ConnectionFailure = "none" | "not-sent" | "lost";

export interface StoreDialect {
  readonly columnTypes: DialectColumnTypes;

  /** The stored form of a boolean (database.ts `BooleanColumn`). */
  encodeBoolean(value: boolean): BooleanColumn;

  /**
   * Locks the selected rows until the transaction ends, so a read-then-write of a thread is not
   * interleaved with another writer's (a row lock on PostgreSQL). SQLite returns the query as it
   * is: its transactions take the single write lock when they begin.
   */
  lockForUpdate<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;

  /**
   * Locks the selected rows and skips rows another transaction holds, so concurrent job claimers
   * take different jobs instead of queueing on each other (`FOR UPDATE SKIP LOCKED` on
   * PostgreSQL). SQLite returns the query as it is: a claim is one statement under its one writer.
   */
  lockSkippingLocked<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>;

  /**
   * Serialises migrate() across processes starting at once; runs first inside the migration
   * transaction (an advisory transaction lock on PostgreSQL; nothing on SQLite, whose migration
   * transaction already holds the write lock).
   */
  lockMigrations(db: Kysely<Database>): Promise<void>;

  /** Whether the driver error is a primary key or unique constraint violation. */
  isUniqueViolation(error: unknown): boolean;

  /**
   * Whether the driver error means the transaction lost a race with another writer and can be run
   * again from the start (PostgreSQL serialisation failure or deadlock; SQLite busy).
   */
  isRetryableConflict(error: unknown): boolean;

  /**
   * Whether the driver error comes from a failed or broken connection (a server restart, a
   * terminated backend, a network loss), and whether the statement could have reached the
   * database. A transaction whose COMMIT did not reach it was rolled back by the database, so it
   * can run again on a new connection. Always "none" for an embedded database (SQLite).
   */
  connectionFailure(error: unknown): ConnectionFailure;
}
