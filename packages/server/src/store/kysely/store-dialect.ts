// The few things the SQL dialects do differently, behind one small object, so the Kysely query
// layer is shared: SQLite implements it in ../sqlite/, PostgreSQL will (DESIGN §4).
import type { ColumnDataType, Kysely, SelectQueryBuilder } from "kysely";
import type { BooleanColumn, Database } from "./database.js";

/** The column types the migrations use where the dialects differ. */
export interface DialectColumnTypes {
  /** JSON values, read and written as text (database.ts `JsonText`). */
  json: ColumnDataType;
  boolean: ColumnDataType;
  /** Milliseconds since the epoch: needs 64 bits. */
  millis: ColumnDataType;
}

export interface StoreDialect {
  readonly columnTypes: DialectColumnTypes;

  /** The stored form of a boolean (database.ts `BooleanColumn`). */
  encodeBoolean(value: boolean): BooleanColumn;

  /**
   * Locks the selected rows until the transaction ends, so a read-then-write of a thread is not
   * interleaved with another writer's (`FOR UPDATE` on PostgreSQL). SQLite returns the query as
   * it is: its transactions take the single write lock when they begin.
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
}
