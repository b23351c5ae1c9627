// Version 1: every table of DESIGN §4 with the indexes its queries (../*.ts) use. Rows a thread
// owns reference it with ON DELETE CASCADE, so deleting the thread removes them (B21). Columns take
// the dialect's types (store-dialect.ts): byte-ordered text, so ids sort alike on SQLite and
// PostgreSQL, and 64-bit integers.
import type { Migration } from "./migration.js";

export const initialSchema: Migration = {
  version: 1,
  name: "initial_schema",
  async up(db, { text, integer, json, boolean, millis }) {
    await db.schema
      .createTable("threads")
      .addColumn("thread_id", text, (column) => column.primaryKey())
      .addColumn("agent", text, (column) => column.notNull())
      .addColumn("owner", text)
      .addColumn("status", text, (column) => column.notNull())
      .addColumn("stop_signal", boolean, (column) => column.notNull())
      .addColumn("active_stream_id", text)
      .addColumn("continue_flag", boolean, (column) => column.notNull())
      .addColumn("retry_state", json)
      .addColumn("failure", json)
      .addColumn("seq", integer, (column) => column.notNull())
      .addColumn("version", integer, (column) => column.notNull())
      .addColumn("loop_turn_count", integer, (column) => column.notNull())
      .addColumn("usage", json, (column) => column.notNull())
      .addColumn("metadata", json, (column) => column.notNull())
      .addColumn("created_at", millis, (column) => column.notNull())
      .addColumn("updated_at", millis, (column) => column.notNull())
      .execute();
    // ListThreads: one owner's threads, newest first (B24), keyset on (created_at, thread_id).
    await db.schema
      .createIndex("threads_by_owner")
      .on("threads")
      .columns(["owner", "created_at desc", "thread_id desc"])
      .execute();
    // Recovery (B20): threads in a status, by id.
    await db.schema
      .createIndex("threads_by_status")
      .on("threads")
      .columns(["status", "thread_id"])
      .execute();

    await db.schema
      .createTable("messages")
      .addColumn("thread_id", text, (column) =>
        column.notNull().references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("message_id", text, (column) => column.notNull())
      .addColumn("position", integer, (column) => column.notNull())
      .addColumn("role", text, (column) => column.notNull())
      .addColumn("parts", json, (column) => column.notNull())
      .addColumn("metadata", json)
      .addColumn("committed_seq", integer, (column) => column.notNull())
      .addColumn("usage", json)
      .addColumn("created_at", millis, (column) => column.notNull())
      .addPrimaryKeyConstraint("messages_pk", ["thread_id", "message_id"])
      .execute();
    // A thread's messages in order; unique so two appends can never share a position.
    await db.schema
      .createIndex("messages_by_position")
      .on("messages")
      .columns(["thread_id", "position"])
      .unique()
      .execute();

    await db.schema
      .createTable("streams")
      .addColumn("stream_id", text, (column) => column.primaryKey())
      .addColumn("thread_id", text, (column) =>
        column.notNull().references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("kind", text, (column) => column.notNull())
      .addColumn("seq", integer, (column) => column.notNull())
      .addColumn("status", text, (column) => column.notNull())
      .addColumn("lock_id", text)
      .addColumn("heartbeat_at", millis)
      .addColumn("abort_reason", text)
      .addColumn("delta_count", integer, (column) => column.notNull())
      .addColumn("created_at", millis, (column) => column.notNull())
      .addColumn("ended_at", millis)
      .execute();
    // Unique: a delta cursor (stream seq, delta seq) must name one delta of the thread.
    await db.schema
      .createIndex("streams_by_seq")
      .on("streams")
      .columns(["thread_id", "seq"])
      .unique()
      .execute();

    await db.schema
      .createTable("deltas")
      .addColumn("stream_id", text, (column) =>
        column.notNull().references("streams.stream_id").onDelete("cascade"),
      )
      .addColumn("delta_seq", integer, (column) => column.notNull())
      .addColumn("thread_id", text, (column) =>
        column.notNull().references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("stream_seq", integer, (column) => column.notNull())
      .addColumn("message_id", text, (column) => column.notNull())
      .addColumn("message_seq", integer, (column) => column.notNull())
      .addColumn("chunks", json, (column) => column.notNull())
      .addColumn("created_at", millis, (column) => column.notNull())
      .addPrimaryKeyConstraint("deltas_pk", ["stream_id", "delta_seq"])
      .execute();
    // StreamUpdates: a thread's deltas after a cursor.
    await db.schema
      .createIndex("deltas_by_cursor")
      .on("deltas")
      .columns(["thread_id", "stream_seq", "delta_seq"])
      .unique()
      .execute();

    await db.schema
      .createTable("tool_calls")
      .addColumn("thread_id", text, (column) =>
        column.notNull().references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("tool_call_id", text, (column) => column.notNull())
      .addColumn("tool_name", text, (column) => column.notNull())
      .addColumn("kind", text, (column) => column.notNull())
      .addColumn("args", json, (column) => column.notNull())
      .addColumn("status", text, (column) => column.notNull())
      .addColumn("result", json)
      .addColumn("error", text)
      .addColumn("attempt", integer, (column) => column.notNull())
      .addColumn("max_attempts", integer, (column) => column.notNull())
      .addColumn("last_error", text)
      .addColumn("next_retry_at", millis)
      .addColumn("deadline_at", millis)
      .addColumn("runner_id", text)
      .addColumn("last_heartbeat_at", millis)
      .addColumn("execution_state", text, (column) => column.notNull())
      .addColumn("message_id", text, (column) => column.notNull())
      .addColumn("created_at", millis, (column) => column.notNull())
      .addColumn("updated_at", millis, (column) => column.notNull())
      .addPrimaryKeyConstraint("tool_calls_pk", ["thread_id", "tool_call_id"])
      .execute();
    // ListToolCalls: a thread's calls, oldest first.
    await db.schema
      .createIndex("tool_calls_by_created")
      .on("tool_calls")
      .columns(["thread_id", "created_at", "tool_call_id"])
      .execute();
    // Recovery (B20): pending sync calls of every thread.
    await db.schema
      .createIndex("tool_calls_by_status")
      .on("tool_calls")
      .columns(["status", "kind", "thread_id", "tool_call_id"])
      .execute();
    // countPendingToolCalls: one thread's calls in a status.
    await db.schema
      .createIndex("tool_calls_by_thread_status")
      .on("tool_calls")
      .columns(["thread_id", "status"])
      .execute();

    await db.schema
      .createTable("queued_messages")
      .addColumn("thread_id", text, (column) =>
        column.notNull().references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("queue_position", integer, (column) => column.notNull())
      .addColumn("message_id", text, (column) => column.notNull())
      .addColumn("role", text, (column) => column.notNull())
      .addColumn("parts", json, (column) => column.notNull())
      .addColumn("metadata", json)
      .addColumn("usage", json)
      .addColumn("created_at", millis, (column) => column.notNull())
      .addColumn("enqueued_at", millis, (column) => column.notNull())
      .addPrimaryKeyConstraint("queued_messages_pk", ["thread_id", "queue_position"])
      .execute();

    await db.schema
      .createTable("tools")
      .addColumn("name", text, (column) => column.primaryKey())
      .addColumn("description", text, (column) => column.notNull())
      .addColumn("input_schema", json, (column) => column.notNull())
      .addColumn("kind", text, (column) => column.notNull())
      .addColumn("retry", json)
      .addColumn("timeout_ms", millis)
      .addColumn("runner_id", text)
      .addColumn("registered_at", millis, (column) => column.notNull())
      .execute();

    await db.schema
      .createTable("jobs")
      .addColumn("job_id", text, (column) => column.primaryKey())
      .addColumn("type", text, (column) => column.notNull())
      .addColumn("thread_id", text, (column) =>
        column.references("threads.thread_id").onDelete("cascade"),
      )
      .addColumn("key", text, (column) => column.notNull())
      .addColumn("payload", json, (column) => column.notNull())
      .addColumn("run_at", millis, (column) => column.notNull())
      .addColumn("lease_owner", text)
      .addColumn("lease_until", millis)
      .addColumn("failed_runs", integer, (column) => column.notNull())
      .addColumn("created_at", millis, (column) => column.notNull())
      // scheduleJob replaces a job of the same (type, key): ON CONFLICT needs this constraint.
      .addUniqueConstraint("jobs_type_key", ["type", "key"])
      .execute();
    // Claims: due jobs in (run_at, job_id) order.
    await db.schema
      .createIndex("jobs_by_run_at")
      .on("jobs")
      .columns(["run_at", "job_id"])
      .execute();
    // nextJobDueAt: the earliest unclaimed run_at (lease_until null), the earliest lease end.
    await db.schema
      .createIndex("jobs_by_lease_until")
      .on("jobs")
      .columns(["lease_until", "run_at"])
      .execute();
    // cancelThreadJobs and the cascade from threads.
    await db.schema
      .createIndex("jobs_by_thread")
      .on("jobs")
      .columns(["thread_id", "type"])
      .execute();
  },
};
