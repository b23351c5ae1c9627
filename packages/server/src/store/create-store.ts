// Opens the store a URL names (DESIGN §5 `store`, env DURABLE_AGENTS_STORE).
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InvalidStoreUrlError } from "./errors.js";
import { createPostgresStore, type PostgresStoreOptions } from "./postgres/postgres-store.js";
import { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

const SQLITE_PREFIX = "sqlite:";
const SQLITE_MEMORY_PATH = ":memory:";
const POSTGRES_URL = /^postgres(?:ql)?:\/\//u;

/** Where a store lives: a store URL, parsed (the configuration holds it in this form). */
export type StoreLocation = { type: "sqlite"; path: string } | { type: "postgres"; url: string };

/**
 * Options of the store a URL opens: the SQLite ones apply to `sqlite:` URLs, the PostgreSQL ones
 * to `postgres://` URLs, `maxTransactionAttempts` to both.
 */
export type CreateStoreOptions = Omit<SqliteStoreOptions, "path"> &
  Omit<PostgresStoreOptions, "url">;

/**
 * Parses a store URL: `sqlite:PATH` (relative to the working directory), `sqlite::memory:` (a
 * private in-memory database), or `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (url.startsWith(SQLITE_PREFIX)) {
    const path = url.slice(SQLITE_PREFIX.length);
    if (path === "") throw new InvalidStoreUrlError(url, "the sqlite URL names no file");
    return { type: "sqlite", path };
  }
  if (POSTGRES_URL.test(url)) return { type: "postgres", url };
  throw new InvalidStoreUrlError(url, "expected sqlite:PATH, sqlite::memory: or postgres://…");
}

/**
 * Opens the store of a URL or location, not yet migrated (call migrate()):
 * - `sqlite:PATH`: the embedded store (DESIGN §2), one server process per file
 *   (`Store.exclusive`); the file's folders are created.
 * - `postgres://…` / `postgresql://…`: the scaled deployment's store, shared by any number of
 *   replicas (DESIGN §2, §4; `DURABLE_AGENTS_STORE=postgres://user:password@host:5432/db`). The
 *   URL takes node-postgres's connection-string parameters (`sslmode`, `application_name`…); the
 *   pool holds up to `maxConnections` connections (10 by default). Connection losses and a
 *   database restart are retried for up to 15 s, then calls fail with StoreUnavailableError.
 */
export async function createStore(
  location: string | StoreLocation,
  options: CreateStoreOptions = {},
): Promise<Store> {
  const parsed = typeof location === "string" ? parseStoreUrl(location) : location;
  const { busyTimeoutMs, maxConnections, connectionRetry, logger, maxTransactionAttempts } =
    options;
  if (parsed.type === "postgres") {
    return createPostgresStore({
      url: parsed.url,
      maxConnections,
      maxTransactionAttempts,
      connectionRetry,
      logger,
    });
  }
  const sqliteOptions = { busyTimeoutMs, maxTransactionAttempts, logger };
  if (parsed.path === SQLITE_MEMORY_PATH) {
    return createSqliteStore({ ...sqliteOptions, path: SQLITE_MEMORY_PATH });
  }
  const path = resolve(parsed.path);
  await mkdir(dirname(path), { recursive: true });
  return createSqliteStore({ ...sqliteOptions, path });
}
