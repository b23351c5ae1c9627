// Turns a record patch into the columns it changes, field by field.
import type { Updateable } from "kysely";
import type { StoreDialect } from "./store-dialect.js";

/**
 * For each field of a patch, the columns it writes. Every field must be listed, so a field added
 * to a record fails to compile here until the store writes it.
 */
export type PatchColumns<Patch, Table> = {
  [Field in keyof Patch]-?: (
    value: Exclude<Patch[Field], undefined>,
    dialect: StoreDialect,
  ) => Updateable<Table>;
};

/**
 * The columns a patch changes: a field left undefined is not changed, and fields the patch type
 * does not name (a caller passing a wider object) are ignored.
 */
export function patchToColumns<Patch extends object, Table>(
  patch: Patch,
  columns: PatchColumns<Patch, Table>,
  dialect: StoreDialect,
): Updateable<Table> {
  let changes: Updateable<Table> = {};
  for (const field of Object.keys(columns) as (keyof Patch)[]) {
    const value = patch[field];
    if (value !== undefined) {
      changes = {
        ...changes,
        ...columns[field](value as Exclude<Patch[keyof Patch], undefined>, dialect),
      };
    }
  }
  return changes;
}
