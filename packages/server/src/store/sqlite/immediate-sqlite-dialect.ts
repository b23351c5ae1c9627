// Kysely's SQLite dialect with one change: transactions start with BEGIN IMMEDIATE.
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * A plain BEGIN takes the write lock only at the first write, so a transaction that reads (e.g.
 * lockThread) and then writes could find another process's writer got in between, and fail
 * with SQLITE_BUSY on upgrade. BEGIN IMMEDIATE takes the write lock at once (waiting up to
 * busy_timeout): every store transaction then reads and writes as the only writer.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
}
