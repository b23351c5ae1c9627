// Opens the store a URL names (DESIGN §5 `store`, env DURABLE_AGENTS_STORE).
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InvalidStoreUrlError, UnsupportedStoreError } from "./errors.js";
import { createSqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

const SQLITE_PREFIX = "sqlite:";
const SQLITE_MEMORY_PATH = ":memory:";
const POSTGRES_URL = /^postgres(?:ql)?:\/\//u;

/** Where a store lives: a store URL, parsed (the configuration holds it in this form). */
export type StoreLocation = { type: "sqlite"; path: string } | { type: "postgres"; url: string };

export type CreateStoreOptions = Omit<SqliteStoreOptions, "path">;

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
 * Opens the store of a URL or location, not yet migrated (call migrate()). A SQLite file's
 * folders are created. PostgreSQL is not supported yet (UnsupportedStoreError).
 */
export async function createStore(
  location: string | StoreLocation,
  options: CreateStoreOptions = {},
): Promise<Store> {
  const parsed = typeof location === "string" ? parseStoreUrl(location) : location;
  if (parsed.type === "postgres") throw new UnsupportedStoreError("postgres");
  if (parsed.path === SQLITE_MEMORY_PATH) {
    return createSqliteStore({ ...options, path: SQLITE_MEMORY_PATH });
  }
  const path = resolve(parsed.path);
  await mkdir(dirname(path), { recursive: true });
  return createSqliteStore({ ...options, path });
}
