// PostgreSQL for the bench's PostgreSQL figures and the DBOS peer: fresh databases from the tests'
// helper (../support/postgres.ts: DURABLE_AGENTS_TEST_POSTGRES_URL, else the PG* variables, else
// postgres://postgres@127.0.0.1:5432), one per figure, dropped afterwards whether it succeeded or
// not.
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";

/** Why the PostgreSQL figures cannot be measured here (no server), or undefined when they can. */
export async function missingPostgres(): Promise<string | undefined> {
  try {
    const probe = await createTestDatabase();
    await probe.drop();
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Runs `use` with a fresh database and drops it after. */
export async function withDatabase<T>(use: (database: TestDatabase) => Promise<T>): Promise<T> {
  const database = await createTestDatabase();
  try {
    return await use(database);
  } finally {
    await database.drop();
  }
}
