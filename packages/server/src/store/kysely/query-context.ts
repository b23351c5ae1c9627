import type { Kysely } from "kysely";
import { DuplicateRecordError } from "../errors.js";
import type { Database } from "./database.js";
import type { StoreDialect } from "./store-dialect.js";

/** What every table module queries with: the database (or the open transaction) and its dialect. */
export interface QueryContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
}

/** Runs an insert, turning a key collision into a {@link DuplicateRecordError}. */
export async function insertUnique<T>(
  ctx: QueryContext,
  record: string,
  key: string,
  insert: () => Promise<T>,
): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (ctx.dialect.isUniqueViolation(error))
      throw new DuplicateRecordError(record, key, { cause: error });
    throw error;
  }
}
