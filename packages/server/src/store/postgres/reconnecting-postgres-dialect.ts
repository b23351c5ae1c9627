// Kysely's PostgreSQL dialect with connection losses ridden out (issue #5). Statements outside a
// transaction run again on a fresh connection after a connection error; transactions are run again
// as a whole by KyselyStore.transaction(), which alone knows where COMMIT was.
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type PostgresDialectConfig,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { ConnectionRetry, type ConnectionRetryPolicy } from "../kysely/connection-retry.js";
import { connectionFailure } from "./postgres-errors.js";

function isConnectionFailure(error: unknown): boolean {
  return connectionFailure(error) !== "none";
}

/**
 * One use of a pooled connection, as Kysely sees it. Outside a transaction a statement that meets a
 * connection error is run again on a new connection, which replaces the broken one (released to
 * the pool at once, which drops it), so a pool full of broken connections cannot wait on itself.
 *
 * Running a statement again is safe only because every statement the store runs outside a
 * transaction is a read or a lease-conditional job write that is harmless to repeat
 * (../kysely/job-leases.ts); every other write goes through transaction().
 */
class ReconnectingConnection implements DatabaseConnection {
  readonly #driver: ReconnectingPostgresDriver;
  #current: DatabaseConnection | undefined;
  #inTransaction = false;

  constructor(driver: ReconnectingPostgresDriver, connection: DatabaseConnection) {
    this.#driver = driver;
    this.#current = connection;
  }

  /** The connection in use; a transaction runs on this one throughout. */
  get current(): DatabaseConnection {
    if (this.#current === undefined) throw new Error("the connection was released");
    return this.#current;
  }

  set inTransaction(value: boolean) {
    this.#inTransaction = value;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#inTransaction) return this.current.executeQuery<R>(query);
    let retry: ConnectionRetry | undefined;
    for (;;) {
      try {
        this.#current ??= await this.#driver.acquireInner();
        return await this.#current.executeQuery<R>(query);
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        await this.releaseCurrent();
        retry ??= new ConnectionRetry(this.#driver.connectionRetry);
        await retry.wait(error);
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.current.streamQuery<R>(query, chunkSize);
  }

  async releaseCurrent(): Promise<void> {
    const connection = this.#current;
    this.#current = undefined;
    if (connection !== undefined) await this.#driver.releaseInner(connection);
  }
}

function unwrap(connection: DatabaseConnection): ReconnectingConnection {
  if (!(connection instanceof ReconnectingConnection)) {
    throw new TypeError("not a connection of the reconnecting PostgreSQL driver");
  }
  return connection;
}

class ReconnectingPostgresDriver implements Driver {
  readonly #inner: Driver;
  readonly connectionRetry: ConnectionRetryPolicy;

  constructor(inner: Driver, connectionRetry: ConnectionRetryPolicy) {
    this.#inner = inner;
    this.connectionRetry = connectionRetry;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  /** A pooled connection; a refused or failed connect sent nothing, so it is always tried again. */
  async acquireInner(): Promise<DatabaseConnection> {
    let retry: ConnectionRetry | undefined;
    for (;;) {
      try {
        return await this.#inner.acquireConnection();
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        retry ??= new ConnectionRetry(this.connectionRetry);
        await retry.wait(error);
      }
    }
  }

  releaseInner(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReconnectingConnection(this, await this.acquireInner());
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const reconnecting = unwrap(connection);
    reconnecting.inTransaction = true;
    await this.#inner.beginTransaction(reconnecting.current, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(unwrap(connection).current);
  }

  /**
   * A ROLLBACK on a broken connection fails too, and Kysely would throw that failure instead of
   * the error that caused the rollback (the commit's own, which tells whether COMMIT was sent). The
   * database rolls back a transaction whose connection ended, and Kysely's driver has marked the
   * connection to be dropped, so that failure is ignored.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.rollbackTransaction(unwrap(connection).current);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return unwrap(connection).releaseCurrent();
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

/** PostgresDialect whose driver rides out connection losses within `connectionRetry`. */
export class ReconnectingPostgresDialect extends PostgresDialect {
  readonly #connectionRetry: ConnectionRetryPolicy;

  constructor(config: PostgresDialectConfig, connectionRetry: ConnectionRetryPolicy) {
    super(config);
    this.#connectionRetry = connectionRetry;
  }

  override createDriver(): Driver {
    return new ReconnectingPostgresDriver(super.createDriver(), this.#connectionRetry);
  }
}
