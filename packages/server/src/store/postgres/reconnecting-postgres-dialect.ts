// Kysely's PostgreSQL dialect on a node-postgres pool, with a driver of its own for two things.
// Connection losses are ridden out (issue #5): statements outside a transaction run again on a
// fresh connection after a connection error; transactions are run again as a whole by
// KyselyStore.transaction(), which alone knows where COMMIT was. And a transaction's BEGIN goes to
// the server with its first statement, as one simple query: a round trip less per transaction.
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type { Pool } from "pg";
import { ConnectionRetry, type ConnectionRetryPolicy } from "../kysely/connection-retry.js";
import { inlineParameters } from "./inline-parameters.js";
import { PooledConnection } from "./pooled-connection.js";
import { connectionFailure } from "./postgres-errors.js";

function isConnectionFailure(error: unknown): boolean {
  return connectionFailure(error) !== "none";
}

/** The statement that opens a transaction with these settings. */
function beginStatement(settings: TransactionSettings): string {
  const options = [
    settings.isolationLevel === undefined ? "" : ` isolation level ${settings.isolationLevel}`,
    settings.accessMode === undefined ? "" : ` ${settings.accessMode}`,
  ].join("");
  return options === "" ? "begin" : `start transaction${options}`;
}

/**
 * One use of a pooled connection, as Kysely sees it. Outside a transaction a statement that meets a
 * connection error is run again on a new connection, which replaces the broken one (released to
 * the pool at once, which drops it), so a pool full of broken connections cannot wait on itself.
 *
 * Running a statement again is safe only because every statement the store runs outside a
 * transaction is a read or a lease-conditional job write that is harmless to repeat
 * (../kysely/job-leases.ts); every other write goes through transaction().
 *
 * In a transaction, BEGIN waits for the first statement and is sent with it, its parameters
 * written in as literals (inline-parameters.ts). The statement fails or succeeds as it would after
 * a BEGIN of its own: a failure leaves the transaction aborted, and Kysely rolls it back.
 */
class ReconnectingConnection implements DatabaseConnection {
  readonly #driver: ReconnectingPostgresDriver;
  #current: PooledConnection | undefined;
  #inTransaction = false;
  /** The transaction's BEGIN, until its first statement carries it. */
  #pendingBegin: string | undefined;

  constructor(driver: ReconnectingPostgresDriver, connection: PooledConnection) {
    this.#driver = driver;
    this.#current = connection;
  }

  /** The connection in use; a transaction runs on this one throughout. */
  get current(): PooledConnection {
    if (this.#current === undefined) throw new Error("the connection was released");
    return this.#current;
  }

  /** Starts a transaction whose BEGIN goes with its first statement. */
  begin(statement: string): void {
    this.#inTransaction = true;
    this.#pendingBegin = statement;
  }

  /** Whether the transaction ran no statement yet (so there is nothing to commit or roll back). */
  takeUnsentBegin(): boolean {
    const unsent = this.#pendingBegin !== undefined;
    this.#pendingBegin = undefined;
    return unsent;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#inTransaction) {
      const begin = this.#pendingBegin;
      this.#pendingBegin = undefined;
      if (begin === undefined) return this.current.executeQuery<R>(query);
      const inlined = inlineParameters(query);
      if (inlined !== undefined) {
        return this.current.executeQuery<R>(CompiledQuery.raw(`${begin};\n${inlined}`));
      }
      await this.current.executeQuery(CompiledQuery.raw(begin));
      return this.current.executeQuery<R>(query);
    }
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

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the PostgreSQL store does not stream query results");
  }

  async releaseCurrent(): Promise<void> {
    const connection = this.#current;
    this.#current = undefined;
    connection?.release();
  }
}

function unwrap(connection: DatabaseConnection): ReconnectingConnection {
  if (!(connection instanceof ReconnectingConnection)) {
    throw new TypeError("not a connection of the reconnecting PostgreSQL driver");
  }
  return connection;
}

class ReconnectingPostgresDriver implements Driver {
  readonly #pool: Pool;
  readonly connectionRetry: ConnectionRetryPolicy;

  constructor(pool: Pool, connectionRetry: ConnectionRetryPolicy) {
    this.#pool = pool;
    this.connectionRetry = connectionRetry;
  }

  async init(): Promise<void> {}

  /** A pooled connection; a refused or failed connect sent nothing, so it is always tried again. */
  async acquireInner(): Promise<PooledConnection> {
    let retry: ConnectionRetry | undefined;
    for (;;) {
      try {
        return new PooledConnection(await this.#pool.connect());
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        retry ??= new ConnectionRetry(this.connectionRetry);
        await retry.wait(error);
      }
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReconnectingConnection(this, await this.acquireInner());
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    unwrap(connection).begin(beginStatement(settings));
  }

  /**
   * PostgreSQL answers COMMIT with a ROLLBACK tag when a statement of the transaction failed and
   * left it aborted: that is an error, or the caller would take a rolled-back change for done.
   */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const reconnecting = unwrap(connection);
    if (reconnecting.takeUnsentBegin()) return;
    const { command } = await reconnecting.current.run(CompiledQuery.raw("commit"));
    if (command === "ROLLBACK") {
      throw new Error("the transaction was rolled back at COMMIT: one of its statements failed");
    }
  }

  /**
   * A ROLLBACK on a broken connection fails too, and Kysely would throw that failure instead of
   * the error that caused the rollback (the commit's own, which tells whether COMMIT was sent). The
   * database rolls back a transaction whose connection ended, and the pool drops a client whose
   * connection ended, so that failure is ignored. Any other failure leaves the connection in an
   * unknown state: it is not given back to the pool.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const reconnecting = unwrap(connection);
    if (reconnecting.takeUnsentBegin()) return;
    try {
      await reconnecting.current.run(CompiledQuery.raw("rollback"));
    } catch (error) {
      if (isConnectionFailure(error)) return;
      reconnecting.current.discarded = true;
      throw error;
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return unwrap(connection).releaseCurrent();
  }

  destroy(): Promise<void> {
    return this.#pool.end();
  }
}

/** PostgresDialect on `pool` whose driver rides out connection losses within `connectionRetry`. */
export class ReconnectingPostgresDialect extends PostgresDialect {
  readonly #pool: Pool;
  readonly #connectionRetry: ConnectionRetryPolicy;

  constructor(pool: Pool, connectionRetry: ConnectionRetryPolicy) {
    super({ pool });
    this.#pool = pool;
    this.#connectionRetry = connectionRetry;
  }

  override createDriver(): Driver {
    return new ReconnectingPostgresDriver(this.#pool, this.#connectionRetry);
  }
}
