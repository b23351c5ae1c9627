// Version 2: what X3 needs beyond version 1. A queued message remembers the busy policy it was sent
// with, because an INTERRUPT message runs as soon as the stopped turn saved its partial answer
// while ENQUEUE messages wait through a stop for the next SendMessage or ResumeThread; and the
// thread counts its queued messages for Thread.queued_message_count.
import type { Migration } from "./migration.js";

export const queuedMessagePolicy: Migration = {
  version: 2,
  name: "queued_message_policy",
  async up(db, { text, integer }) {
    await db.schema
      .alterTable("queued_messages")
      .addColumn("busy_policy", text, (column) => column.notNull().defaultTo("enqueue"))
      .execute();
    await db.schema
      .alterTable("threads")
      .addColumn("queued_message_count", integer, (column) => column.notNull().defaultTo(0))
      .execute();
  },
};
