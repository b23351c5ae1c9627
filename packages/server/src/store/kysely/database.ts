// The tables as the Kysely query layer sees them, for every dialect. Columns are snake_case; the
// row mappers of each table module turn rows into the records of ../records.ts and back.
import type { StreamStatus, ThreadStatus } from "@durable-agents/core";
import type {
  MessageRole,
  StreamKind,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "../records.js";
import type { QueuedMessagePolicy } from "../store.js";

/** A boolean column: INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL (StoreDialect.encodeBoolean). */
export type BooleanColumn = number | boolean;

/**
 * A JSON column, always read and written as its text (json-columns.ts): TEXT on SQLite; a JSON
 * column type on PostgreSQL whose driver is set to return it as text. SQL NULL stands for an
 * absent (undefined) value, the text "null" for JSON null.
 */
export type JsonText = string;

/** Milliseconds since the epoch (an integer; the driver must return it as a JS number). */
export type Millis = number;

export interface ThreadsTable {
  thread_id: string;
  agent: string;
  owner: string | null;
  status: ThreadStatus;
  stop_signal: BooleanColumn;
  active_stream_id: string | null;
  continue_flag: BooleanColumn;
  retry_state: JsonText | null;
  failure: JsonText | null;
  seq: number;
  version: number;
  loop_turn_count: number;
  usage: JsonText;
  metadata: JsonText;
  created_at: Millis;
  updated_at: Millis;
  queued_message_count: number;
}

export interface MessagesTable {
  thread_id: string;
  message_id: string;
  position: number;
  role: MessageRole;
  parts: JsonText;
  metadata: JsonText | null;
  committed_seq: number;
  usage: JsonText | null;
  created_at: Millis;
}

export interface StreamsTable {
  stream_id: string;
  thread_id: string;
  kind: StreamKind;
  seq: number;
  status: StreamStatus;
  lock_id: string | null;
  heartbeat_at: Millis | null;
  abort_reason: string | null;
  delta_count: number;
  created_at: Millis;
  ended_at: Millis | null;
}

export interface DeltasTable {
  stream_id: string;
  delta_seq: number;
  thread_id: string;
  stream_seq: number;
  message_id: string;
  message_seq: number;
  chunks: JsonText;
  created_at: Millis;
}

export interface ToolCallsTable {
  thread_id: string;
  tool_call_id: string;
  tool_name: string;
  kind: ToolKind;
  args: JsonText;
  status: ToolCallStatus;
  result: JsonText | null;
  error: string | null;
  attempt: number;
  max_attempts: number;
  last_error: string | null;
  next_retry_at: Millis | null;
  deadline_at: Millis | null;
  runner_id: string | null;
  last_heartbeat_at: Millis | null;
  execution_state: ToolExecutionState;
  message_id: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface QueuedMessagesTable {
  thread_id: string;
  queue_position: number;
  message_id: string;
  role: MessageRole;
  parts: JsonText;
  metadata: JsonText | null;
  usage: JsonText | null;
  created_at: Millis;
  enqueued_at: Millis;
  busy_policy: QueuedMessagePolicy;
}

export interface ToolsTable {
  name: string;
  description: string;
  input_schema: JsonText;
  kind: ToolKind;
  retry: JsonText | null;
  timeout_ms: number | null;
  runner_id: string | null;
  registered_at: Millis;
}

export interface JobsTable {
  job_id: string;
  type: string;
  thread_id: string | null;
  key: string;
  payload: JsonText;
  run_at: Millis;
  lease_owner: string | null;
  lease_until: Millis | null;
  failed_runs: number;
  created_at: Millis;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
}

export interface Database {
  threads: ThreadsTable;
  messages: MessagesTable;
  streams: StreamsTable;
  deltas: DeltasTable;
  tool_calls: ToolCallsTable;
  queued_messages: QueuedMessagesTable;
  tools: ToolsTable;
  jobs: JobsTable;
  schema_migrations: SchemaMigrationsTable;
}
