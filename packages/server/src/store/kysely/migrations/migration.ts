import type { Kysely } from "kysely";
import type { Database } from "../database.js";
import type { DialectColumnTypes } from "../store-dialect.js";

/**
 * One step of the schema. Applied steps are recorded in schema_migrations by version and never
 * change: a new schema is a new step with the next version.
 */
export interface Migration {
  version: number;
  name: string;
  /**
   * Runs inside the migration transaction. `db` is typed with today's tables, which a step must
   * not rely on beyond what the steps before it created.
   */
  up(db: Kysely<Database>, columnTypes: DialectColumnTypes): Promise<void>;
}
