// Fresh PostgreSQL databases for the store's tests (DESIGN §9: real services, fresh per test, never
// skipped). The server is DURABLE_AGENTS_TEST_POSTGRES_URL, else the one the standard PG*
// variables name, else postgres://postgres@127.0.0.1:5432.
import { randomUUID } from "node:crypto";
import { Client } from "pg";

export interface TestDatabase {
  /** The database's URL, for createPostgresStore or createStore. */
  url: string;
  /** Drops the database, closing the connections still open on it. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * An ICU locale for the database's default collation (e.g. "en-US"), instead of the server's
   * default, to check that the store's ordering does not depend on it.
   */
  icuLocale?: string;
}

/** The URL of the server's maintenance database, from which test databases are created. */
function testServerUrl(): string {
  const configured = process.env.DURABLE_AGENTS_TEST_POSTGRES_URL;
  if (configured !== undefined && configured !== "") return configured;
  const env = process.env;
  const user = encodeURIComponent(env.PGUSER ?? "postgres");
  const password = env.PGPASSWORD === undefined ? "" : `:${encodeURIComponent(env.PGPASSWORD)}`;
  const host = env.PGHOST ?? "127.0.0.1";
  const port = env.PGPORT ?? "5432";
  const database = encodeURIComponent(env.PGDATABASE ?? "postgres");
  // A PGHOST that is a directory names a Unix socket, which a URL carries as a parameter.
  return host.startsWith("/")
    ? `postgres://${user}${password}@localhost:${port}/${database}?host=${encodeURIComponent(host)}`
    : `postgres://${user}${password}@${host}:${port}/${database}`;
}

/** The same URL on another database. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.href;
}

/** Runs `work` on a connection to the test server; fails loudly when the server is unreachable. */
async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const url = testServerUrl();
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    const where = url.replace(/\/\/[^@/]*@/u, "//");
    throw new Error(
      `PostgreSQL is unreachable at ${where}: the PostgreSQL tests need a server (set ` +
        "DURABLE_AGENTS_TEST_POSTGRES_URL or the PG* variables to point at one)",
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a random name on the test server. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `durable_agents_test_${randomUUID().replaceAll("-", "")}`;
  const locale =
    options.icuLocale === undefined
      ? ""
      : ` template template0 locale_provider icu icu_locale '${options.icuLocale.replaceAll("'", "''")}'`;
  await onServer((client) => client.query(`create database "${name}"${locale}`));
  return {
    url: withDatabase(testServerUrl(), name),
    async drop() {
      await onServer((client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
