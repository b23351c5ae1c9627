// The Store interface (DESIGN §2, §4): the engine's only way to persist state. Implementations
// (SQLite, PostgreSQL) pass the same conformance suite (store/conformance/).
import type { ThreadStatus } from "@durable-agents/core";
import type {
  DeltaRecord,
  JobRecord,
  JsonObject,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
  ToolCallStatus,
  ToolDefinitionRecord,
  ToolExecutionState,
} from "./records.js";

/** A delta position: cursors order by streamSeq, then deltaSeq. */
export interface DeltaPosition {
  streamSeq: number;
  deltaSeq: number;
}

/** Keyset position in the newest-first thread list (B24). */
export interface ThreadListPosition {
  createdAt: number;
  threadId: string;
}

export interface ListThreadsQuery {
  /** Only threads of this owner; null lists the threads created without authentication. */
  owner: string | null;
  agent?: string;
  /** Only threads in one of these statuses; an empty list matches none. */
  statuses?: readonly ThreadStatus[];
  /** Return threads after this one in newest-first order. */
  after?: ThreadListPosition;
  limit: number;
}

export interface ListMessagesQuery {
  /** Return messages with a position greater than this. */
  afterPosition?: number;
  includeSystem: boolean;
  limit: number;
}

export interface ListDeltasQuery {
  /** Only deltas strictly after this position. */
  after?: DeltaPosition;
  /** Only deltas of streams with seq ≥ fromSeq. */
  fromSeq?: number;
  limit: number;
}

export interface ListToolCallsQuery {
  /** Only calls in one of these statuses; an empty list matches none. */
  statuses?: readonly ToolCallStatus[];
  /** Return calls created after this one, oldest first. */
  after?: { createdAt: number; toolCallId: string };
  limit: number;
}

/** Fields of a thread the engine changes; the store bumps `version` and sets `updatedAt`. */
export type ThreadPatch = Partial<
  Omit<
    ThreadRecord,
    "threadId" | "agent" | "owner" | "createdAt" | "version" | "updatedAt" | "queuedMessageCount"
  >
>;
export type StreamPatch = Partial<
  Pick<StreamRecord, "status" | "lockId" | "heartbeatAt" | "abortReason" | "endedAt">
>;
/** What a thread has under way: what its rules decide on besides the thread row. */
export interface ThreadActivity {
  /** Its pending and streaming streams, by seq. */
  openStreams: StreamRecord[];
  pendingToolCallCount: number;
}

/** A job's identity: at most one job per (type, key). */
export type JobKey = Pick<JobRecord, "type" | "key">;

/** What `updatePendingToolCall` expects of a pending call before it changes it. */
export interface PendingToolCallExpectation {
  /** The attempt the call must be in; any when undefined. */
  attempt?: number;
  /** The execution states the call may be in; any when undefined. */
  executionStates?: readonly ToolExecutionState[];
}

export type ToolCallPatch = Partial<
  Omit<
    ToolCallRecord,
    | "threadId"
    | "toolCallId"
    | "toolName"
    | "kind"
    | "args"
    | "messageId"
    | "createdAt"
    | "updatedAt"
  >
>;

/** A job to schedule; the store assigns the id. */
export interface NewJob {
  type: string;
  threadId: string | null;
  key: string;
  payload: JsonObject;
  runAt: number;
}

/** A job's lease: who runs it, until when (DESIGN §4). */
export interface JobLease {
  owner: string;
  until: number;
}

/**
 * How a queued message was sent (X3): ENQUEUE waits for the loop to complete (through a stop, for
 * the next SendMessage or ResumeThread); INTERRUPT runs once the stopped turn saved its answer.
 */
export type QueuedMessagePolicy = "enqueue" | "interrupt";

/** A message waiting for the current tool loop to end (X3 ENQUEUE, INTERRUPT). */
export interface QueuedMessageRecord {
  threadId: string;
  /** Order of arrival within the thread, from 0. */
  queuePosition: number;
  message: Omit<MessageRecord, "position" | "committedSeq" | "threadId">;
  enqueuedAt: number;
  busyPolicy: QueuedMessagePolicy;
}

/** Reads that need no transaction. Inside a transaction they see its own writes. */
export interface StoreReader {
  getThread(threadId: string): Promise<ThreadRecord | undefined>;
  /** Newest first (B24). */
  listThreads(query: ListThreadsQuery): Promise<ThreadRecord[]>;
  /** Threads in one of these statuses, by thread id after `after`, for recovery (B20). */
  listThreadsByStatus(
    statuses: readonly ThreadStatus[],
    after: string | undefined,
    limit: number,
  ): Promise<ThreadRecord[]>;

  getMessage(threadId: string, messageId: string): Promise<MessageRecord | undefined>;
  /** Oldest first. */
  listMessages(threadId: string, query: ListMessagesQuery): Promise<MessageRecord[]>;
  getLastMessage(threadId: string): Promise<MessageRecord | undefined>;

  getStream(streamId: string): Promise<StreamRecord | undefined>;
  /** The thread's streams in one of these statuses (all when omitted, none when empty), by seq. */
  listStreams(
    threadId: string,
    statuses?: readonly StreamRecord["status"][],
  ): Promise<StreamRecord[]>;
  /**
   * Streams of any thread still streaming whose last heartbeat is at or before
   * `heartbeatAtOrBefore`, by (heartbeatAt, streamId) after `after` (the B3 timeout sweep).
   */
  listSilentStreams(
    heartbeatAtOrBefore: number,
    after: { heartbeatAt: number; streamId: string } | undefined,
    limit: number,
  ): Promise<StreamRecord[]>;
  /** Ordered by (streamSeq, deltaSeq). */
  listDeltas(threadId: string, query: ListDeltasQuery): Promise<DeltaRecord[]>;

  getToolCall(threadId: string, toolCallId: string): Promise<ToolCallRecord | undefined>;
  /** Oldest first. */
  listToolCalls(threadId: string, query: ListToolCallsQuery): Promise<ToolCallRecord[]>;
  countPendingToolCalls(threadId: string): Promise<number>;
  /** The thread's open (pending or streaming) streams by seq and its pending calls' count. */
  readThreadActivity(threadId: string): Promise<ThreadActivity>;
  /** Pending sync calls of every thread, by (threadId, toolCallId) after `after`, for recovery (B20). */
  listPendingSyncToolCalls(
    after: { threadId: string; toolCallId: string } | undefined,
    limit: number,
  ): Promise<ToolCallRecord[]>;
  /** Pending calls of every thread and kind, by (threadId, toolCallId) after `after` (X10 ListStuck). */
  listPendingToolCalls(
    after: { threadId: string; toolCallId: string } | undefined,
    limit: number,
  ): Promise<ToolCallRecord[]>;

  listQueuedMessages(threadId: string): Promise<QueuedMessageRecord[]>;

  getTool(name: string): Promise<ToolDefinitionRecord | undefined>;
  /** By name. */
  listTools(afterName: string | undefined, limit: number): Promise<ToolDefinitionRecord[]>;

  /**
   * The earliest time a job becomes claimable: the runAt of an unclaimed job or the leaseUntil of
   * a claimed one; undefined when there are no jobs.
   */
  nextJobDueAt(): Promise<number | undefined>;
  findJob(type: string, key: string): Promise<JobRecord | undefined>;
}

/**
 * Reads and writes inside one transaction: all writes commit together or not at all. An update of
 * a missing row throws RecordNotFoundError; an insert of an existing key DuplicateRecordError
 * (errors.ts), except `insertToolCall`, which answers whether it inserted.
 */
export interface StoreTransaction extends StoreReader {
  /**
   * Reads the thread and serialises every other transaction that locks it until this one ends
   * (a row lock on PostgreSQL; SQLite has a single writer). Every state change of a thread
   * starts here.
   */
  lockThread(threadId: string): Promise<ThreadRecord | undefined>;
  insertThread(thread: ThreadRecord): Promise<void>;
  /** Applies the patch, increments `version`, sets `updatedAt = now`; returns the new row. */
  updateThread(threadId: string, patch: ThreadPatch, now: number): Promise<ThreadRecord>;
  /** Deletes the thread and its messages, tool calls, streams, deltas, queued messages and jobs (B21). */
  deleteThread(threadId: string): Promise<void>;

  /** Appends a message at the end of its thread (assigning its position). */
  appendMessage(message: Omit<MessageRecord, "position">): Promise<MessageRecord>;
  /** Replaces the message with the same id, keeping its position; appends it if new (B7). */
  saveMessage(message: Omit<MessageRecord, "position">): Promise<MessageRecord>;

  /**
   * Inserts the stream with its first deltas, if any (a tool outcome's finished stream, B15):
   * numbered from 0 in its seq, as many as its deltaCount (else DeltaSequenceError).
   */
  insertStream(stream: StreamRecord, firstDeltas?: readonly DeltaRecord[]): Promise<void>;
  /**
   * Applies the patch; returns the new row. `appended` deltas, consecutive, go in with it: the
   * first one's deltaSeq must equal the stream's deltaCount, which they advance, and its streamSeq
   * the stream's seq (else DeltaSequenceError; RecordNotFoundError without the stream). That check
   * is a compare-and-set in the update, so of two writers racing for a position only one places
   * its delta: a cursor (streamSeq, deltaSeq) never names a gap or two deltas. A turn's last
   * deltas go in with its stream's end (B5, B7); an empty patch only appends.
   */
  updateStream(
    streamId: string,
    patch: StreamPatch,
    appended?: readonly DeltaRecord[],
  ): Promise<StreamRecord>;
  /**
   * Appends a delta as `updateStream` appends one, only while the writer holding `lockId` owns its
   * stream (B3): the stream is streaming, locked with `lockId` and its thread's active stream. The
   * check is part of the write, without locking the thread. Returns false, writing nothing, when
   * the writer does not own the stream; a misplaced delta of an owned stream throws as there.
   */
  appendOwnedDelta(delta: DeltaRecord, lockId: string): Promise<boolean>;
  /** Deletes a stream and its deltas (B7 cleanup). */
  deleteStream(streamId: string): Promise<void>;

  /**
   * Inserts the call unless a call with its id is recorded in its thread (ids are unique per
   * thread, B6); returns whether it inserted.
   */
  insertToolCall(call: ToolCallRecord): Promise<boolean>;
  /**
   * Applies the patch (and `updatedAt = now`) to a call only while it is pending and, when
   * `expected` names them, in that attempt and one of those execution states; returns the new row,
   * or undefined when the call is not so or does not exist. One compare-and-set, so a change of how
   * a call runs (its hand-off, a runner's progress, X9) need not lock the thread: a concurrent
   * writer that finishes, cancels or requeues the call commits first or makes this update match
   * nothing (PostgreSQL re-checks the conditions on the row it waited for). A writer that holds the
   * thread's lock finishes a call with it too, without reading it first.
   */
  updatePendingToolCall(
    threadId: string,
    toolCallId: string,
    expected: PendingToolCallExpectation,
    patch: ToolCallPatch,
    now: number,
  ): Promise<ToolCallRecord | undefined>;
  /** Applies the patch and sets `updatedAt = now`; returns the new row. */
  updateToolCall(
    threadId: string,
    toolCallId: string,
    patch: ToolCallPatch,
    now: number,
  ): Promise<ToolCallRecord>;

  /** Queues a message and counts it in the thread's `queuedMessageCount`. */
  enqueueMessage(message: Omit<QueuedMessageRecord, "queuePosition">): Promise<QueuedMessageRecord>;
  /** Removes and returns the thread's queued messages, in order; the thread's count becomes 0. */
  takeQueuedMessages(threadId: string): Promise<QueuedMessageRecord[]>;

  upsertTool(tool: ToolDefinitionRecord): Promise<void>;

  /**
   * Schedules a job created at `now`. A job with the same (type, key) is replaced: re-arming a
   * timer moves it instead of adding a second one. The replacement has a new id, so an owner
   * still running the old job cannot complete or release it. It has no lease unless `lease` is
   * given: a process that will run the job as soon as the transaction commits holds it from the
   * start, instead of claiming it after the commit (JobQueue.claimJob).
   */
  scheduleJob(job: NewJob, now: number, lease?: JobLease): Promise<JobRecord>;
  /**
   * JobQueue.completeJob inside this transaction: a job whose work is this transaction ends with
   * it, without a statement of its own after the commit.
   */
  completeJob(jobId: string, owner: string): Promise<boolean>;
  /**
   * Cancels jobs by (type, key) — several in one statement — or every job of a thread (of the
   * given types; none when empty).
   */
  cancelJobs(jobs: readonly JobKey[]): Promise<void>;
  cancelThreadJobs(threadId: string, types?: readonly string[]): Promise<void>;
}

/** Leased job claiming (DESIGN §4): a dead owner's leases expire and another owner runs its jobs. */
export interface JobQueue {
  /**
   * Claims up to `limit` jobs due at `now` (runAt ≤ now, unclaimed or lease expired), most overdue
   * first, for `owner` until `now + leaseMs`; only jobs of `types` when given (none when empty).
   * Two owners never hold the same job's lease.
   */
  claimDueJobs(
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
    types?: readonly string[],
  ): Promise<JobRecord[]>;
  /**
   * Claims the job `jobId` as claimDueJobs would (due at `now`, unclaimed or lease expired);
   * undefined when it is not due, another owner holds it, or it is gone. How a process takes a
   * job it has just scheduled without searching for due jobs.
   */
  claimJob(
    jobId: string,
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<JobRecord | undefined>;
  /** Deletes a finished job, only if `owner` still holds its lease. Returns whether it did. */
  completeJob(jobId: string, owner: string): Promise<boolean>;
  /**
   * Gives a job back for another run at `runAt`, counting the failed run, only if `owner` still
   * holds its lease. Returns whether it did.
   */
  releaseJob(jobId: string, owner: string, runAt: number): Promise<boolean>;
  /** Extends a lease still held by `owner`; false when it was lost. */
  extendLease(jobId: string, owner: string, leaseUntil: number): Promise<boolean>;
}

export interface Store extends StoreReader, JobQueue {
  /**
   * Deletes up to `limit` finished or aborted streams that ended at or before `endedAtOrBefore`,
   * with their deltas; returns how many it deleted (B7 cleanup).
   */
  deleteEndedStreams(endedAtOrBefore: number, limit: number): Promise<number>;
  /**
   * Whether this process is the database's only user (the embedded SQLite store). Streams a turn
   * left open are then orphans of an earlier run of this process: no other replica owns them.
   */
  readonly exclusive: boolean;
  /**
   * Runs `fn` in one transaction, running it again when the database reports a serialisation
   * conflict or the connection failed before COMMIT reached it (so `fn` must have no effect outside
   * `tx`). StoreUnavailableError when the database stays unreachable, or when the connection broke
   * during COMMIT (`commitOutcomeUnknown`: the change may or may not be applied).
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Applies pending migrations; safe to call at every start-up. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
