// The embedded store (DESIGN §2): one SQLite file through better-sqlite3 and the shared Kysely
// query layer.
import { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../kysely/database.js";
import { KyselyStore } from "../kysely/kysely-store.js";
import type { Store } from "../store.js";
import { ImmediateTransactionSqliteDialect } from "./immediate-sqlite-dialect.js";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import { sqliteStoreDialect } from "./sqlite-store-dialect.js";
import { withStatementCache } from "./statement-cache.js";
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  startWalCheckpointer,
  type WalCheckpointer,
} from "./wal-checkpointer.js";

const MEMORY_PATH = ":memory:";

export interface SqliteStoreOptions {
  /** The database file (its folder must exist), or ":memory:" for a private in-memory database. */
  path: string;
  /**
   * How long a write waits for another process's write lock before it fails.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * How many times a transaction is tried when the write lock stays busy.
   * @default 3
   */
  maxTransactionAttempts?: number;
  /** Where a failed background WAL checkpoint is reported (wal-checkpointer.ts). */
  logger?: Pick<Logger, "warn">;
}

function withDefaults(options: SqliteStoreOptions) {
  return {
    path: options.path,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    maxTransactionAttempts: options.maxTransactionAttempts ?? 3,
    logger: options.logger,
  };
}

/**
 * Creates the SQLite store; call migrate() before using it. The file is opened by the first query
 * (usually migrate()), so a store closed unused leaves no open handle.
 *
 * Open one store per file per process: better-sqlite3 waits for a busy lock synchronously, so two
 * stores of one process in transactions on the same file at once would block the thread each of
 * them needs. Single-statement writes, like job claims, are safe from several stores.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path, busyTimeoutMs, maxTransactionAttempts, logger } = withDefaults(options);
  let checkpointer: WalCheckpointer | undefined;
  const dialect = new ImmediateTransactionSqliteDialect({
    database: async () => {
      const database = openSqliteDatabase(path, busyTimeoutMs);
      // An in-memory database has no write-ahead log to checkpoint.
      if (path !== MEMORY_PATH) {
        database.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
        checkpointer = startWalCheckpointer({
          path,
          busyTimeoutMs,
          onError: (message) =>
            logger?.warn({ path, error: message }, "a background WAL checkpoint failed"),
        });
      }
      return withStatementCache(database);
    },
  });
  const db = new Kysely<Database>({ dialect });
  // The embedded deployment: one server process owns the file (DESIGN §2).
  return new KyselyStore({
    db,
    dialect: sqliteStoreDialect,
    exclusive: true,
    maxTransactionAttempts,
    // The worker's connection closes first, so the store's own close is the file's last and
    // checkpoints what the log still holds.
    beforeClose: () => checkpointer?.close(),
  });
}
