import type { Kysely } from "kysely";
import { SchemaVersionError } from "../../errors.js";
import type { Database } from "../database.js";
import type { StoreDialect } from "../store-dialect.js";
import { ALL_MIGRATIONS } from "./all-migrations.js";

/**
 * Applies the migrations not yet recorded in schema_migrations, all in one transaction: a crash
 * mid-way leaves the schema as it was, and processes starting at once apply each step once: the
 * first takes the migration lock (SQLite's write lock, PostgreSQL's advisory lock, both held until
 * the transaction ends) and the others, waiting for it, then find the steps recorded.
 */
export async function runMigrations(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const knownVersion = Math.max(0, ...ALL_MIGRATIONS.map((migration) => migration.version));
  await db.transaction().execute(async (trx) => {
    await dialect.lockMigrations(trx);
    await trx.schema
      .createTable("schema_migrations")
      .ifNotExists()
      .addColumn("version", "integer", (column) => column.primaryKey())
      .addColumn("name", "text", (column) => column.notNull())
      .execute();
    const applied = new Set(
      (await trx.selectFrom("schema_migrations").select("version").execute()).map(
        (row) => row.version,
      ),
    );
    const databaseVersion = Math.max(0, ...applied);
    if (databaseVersion > knownVersion) throw new SchemaVersionError(databaseVersion, knownVersion);
    for (const migration of ALL_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await migration.up(trx, dialect.columnTypes);
      await trx
        .insertInto("schema_migrations")
        .values({ version: migration.version, name: migration.name })
        .execute();
    }
  });
}
