import { initialSchema } from "./001-initial-schema.js";
import type { Migration } from "./migration.js";

/** Every migration, by version. */
export const ALL_MIGRATIONS: readonly Migration[] = [initialSchema];
