// The scaled deployment's store (DESIGN §2, §4): PostgreSQL through a node-postgres pool and the
// shared Kysely query layer. Any number of server replicas may share its database.
import { Kysely } from "kysely";
import { Pool, TypeOverrides, types } from "pg";
import type { Logger } from "pino";
import type { ConnectionRetryPolicy } from "../kysely/connection-retry.js";
import { DEFAULT_CONNECTION_RETRY } from "../kysely/connection-retry.js";
import type { Database } from "../kysely/database.js";
import { KyselyStore } from "../kysely/kysely-store.js";
import type { Store } from "../store.js";
import { postgresStoreDialect } from "./postgres-store-dialect.js";
import { ReconnectingPostgresDialect } from "./reconnecting-postgres-dialect.js";

/** Default pool size, per store (so per replica); the configuration's default too. */
export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 10;

export interface PostgresStoreOptions {
  /** The `postgres://…` or `postgresql://…` connection URL (DESIGN §5 `store`). */
  url: string;
  /**
   * Most connections the store holds open at once. Every replica holds its own, so replicas ×
   * maxConnections must stay below the server's `max_connections` (100 by default).
   * @default DEFAULT_POSTGRES_MAX_CONNECTIONS (10)
   */
  maxConnections?: number;
  /**
   * How many times a transaction is tried when PostgreSQL reports a serialisation failure or a
   * deadlock.
   * @default 5
   */
  maxTransactionAttempts?: number;
  /**
   * How long calls keep retrying while the database is unreachable (a restart, a terminated
   * connection) before they fail with StoreUnavailableError.
   * @default DEFAULT_CONNECTION_RETRY (15 s)
   */
  connectionRetry?: ConnectionRetryPolicy;
  /** Where broken connections are reported (each once, as a warning); unreported by default. */
  logger?: Pick<Logger, "warn">;
}

function withDefaults(options: PostgresStoreOptions) {
  return {
    url: options.url,
    maxConnections: options.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS,
    maxTransactionAttempts: options.maxTransactionAttempts ?? 5,
    connectionRetry: options.connectionRetry ?? DEFAULT_CONNECTION_RETRY,
    logger: options.logger,
  };
}

/**
 * The pool's own type parsers (never pg's global ones, which other code in the process may use):
 * BIGINT columns (database.ts Millis) and COUNT(*) come back as JS numbers instead of strings.
 * Millisecond times and counts stay far below 2^53.
 */
function storeTypeParsers(): TypeOverrides {
  const overrides = new TypeOverrides();
  overrides.setTypeParser(types.builtins.INT8, (text: string) => Number(text));
  return overrides;
}

/**
 * Creates the PostgreSQL store; call migrate() before using it. Connections open on first use, so
 * a store closed unused leaves nothing open. The store is not exclusive: other replicas may own
 * the streams and jobs it finds (Store.exclusive).
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const { url, maxConnections, maxTransactionAttempts, connectionRetry, logger } =
    withDefaults(options);
  const pool = new Pool({
    connectionString: url,
    max: maxConnections,
    types: storeTypeParsers(),
    application_name: "durable-agents",
    // Finds connections a network loss left half-open, instead of waiting on them forever.
    keepAlive: true,
  });
  // A connection that breaks (PostgreSQL restarted, the backend was terminated) emits "error" on
  // its client, and, while idle in the pool, on the pool too, which drops it. Unheard, either
  // event would crash the process. The client listener, there for the client's whole life (the
  // pool's own is removed while a client is checked out), reports each break once; the statement
  // it cut is retried (reconnecting-postgres-dialect.ts, KyselyStore.transaction).
  pool.on("connect", (client) => {
    client.on("error", (error) => logger?.warn({ err: error }, "a PostgreSQL connection broke"));
  });
  pool.on("error", () => {});
  const db = new Kysely<Database>({
    dialect: new ReconnectingPostgresDialect(pool, connectionRetry),
  });
  // The scaled deployment: several replicas share the database (DESIGN §2).
  return new KyselyStore({
    db,
    dialect: postgresStoreDialect,
    exclusive: false,
    maxTransactionAttempts,
    connectionRetry,
  });
}
