// Fresh PostgreSQL databases for tests that run a server on the scaled deployment's store (DESIGN
// §2, §9: real services, fresh per test, never skipped). The server is
// DURABLE_AGENTS_TEST_POSTGRES_URL, else the one the standard PG* variables name, else
// postgres://postgres@127.0.0.1:5432. An unreachable server fails the test with a message saying so.
import { randomUUID } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  /** The database's `postgres://` URL, e.g. for `startTestServer({ store: url })`. */
  url: string;
  /** Drops the database, closing the connections still open on it. */
  drop(): Promise<void>;
}

/** The URL of the server's maintenance database, from which test databases are created. */
function testServerUrl(): string {
  const env = process.env;
  const configured = env.DURABLE_AGENTS_TEST_POSTGRES_URL;
  if (configured !== undefined && configured !== "") return configured;
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

/** Connects to the test server; fails loudly, saying where it looked, when it is unreachable. */
async function connectToServer(): Promise<pg.Client> {
  const url = testServerUrl();
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return client;
  } catch (error) {
    const where = url.replace(/\/\/[^@/]*@/u, "//");
    throw new Error(
      `PostgreSQL is unreachable at ${where}: the PostgreSQL tests need a server (set ` +
        "DURABLE_AGENTS_TEST_POSTGRES_URL or the PG* variables to point at one)",
      { cause: error },
    );
  }
}

/** Runs one statement on the test server. */
async function onServer(statement: string): Promise<void> {
  const client = await connectToServer();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Why the test server cannot be reached, or undefined when it can. */
export async function missingPostgres(): Promise<string | undefined> {
  try {
    const client = await connectToServer();
    await client.end();
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Creates an empty database with a random name; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `durable_agents_test_${randomUUID().replaceAll("-", "")}`;
  await onServer(`create database "${name}"`);
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await onServer(`drop database if exists "${name}" with (force)`);
    },
  };
}
