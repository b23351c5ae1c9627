import { initialSchema } from "./001-initial-schema.js";
import { queuedMessagePolicy } from "./002-queued-message-policy.js";
import { jobsByTypeAndTime } from "./003-jobs-by-type-and-time.js";
import { queuedMessageCountBackfill } from "./004-queued-message-count-backfill.js";
import type { Migration } from "./migration.js";

/** Every migration, by version. */
export const ALL_MIGRATIONS: readonly Migration[] = [
  initialSchema,
  queuedMessagePolicy,
  jobsByTypeAndTime,
  queuedMessageCountBackfill,
];
