// Version 4: version 2 added threads.queued_message_count with 0 for every thread, also for the
// threads whose queued messages (X3) a version-1 server had stored. The engine now trusts the
// count to skip the queue of a thread that has none, so the count is set from the queue.
import { sql } from "kysely";
import type { Migration } from "./migration.js";

export const queuedMessageCountBackfill: Migration = {
  version: 4,
  name: "queued_message_count_backfill",
  async up(db) {
    await sql`update threads set queued_message_count = (
      select count(*) from queued_messages where queued_messages.thread_id = threads.thread_id
    )`.execute(db);
  },
};
