// StoreTransaction over Kysely: the reads of KyselyStoreReader plus the writes, all on one open
// database transaction.
import type {
  DeltaRecord,
  JobRecord,
  MessageRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
  ToolDefinitionRecord,
} from "../records.js";
import type {
  JobKey,
  JobLease,
  NewJob,
  PendingToolCallExpectation,
  QueuedMessageRecord,
  StoreTransaction,
  StreamPatch,
  ThreadPatch,
  ToolCallPatch,
} from "../store.js";
import * as deltas from "./deltas.js";
import * as jobLeases from "./job-leases.js";
import * as jobs from "./jobs.js";
import { KyselyStoreReader } from "./kysely-store-reader.js";
import * as messages from "./messages.js";
import * as queuedMessages from "./queued-messages.js";
import * as streams from "./streams.js";
import * as threads from "./threads.js";
import * as toolCalls from "./tool-calls.js";
import * as tools from "./tools.js";

export class KyselyStoreTransaction extends KyselyStoreReader implements StoreTransaction {
  lockThread(threadId: string): Promise<ThreadRecord | undefined> {
    return threads.lockThread(this.ctx, threadId);
  }

  insertThread(thread: ThreadRecord): Promise<void> {
    return threads.insertThread(this.ctx, thread);
  }

  updateThread(threadId: string, patch: ThreadPatch, now: number): Promise<ThreadRecord> {
    return threads.updateThread(this.ctx, threadId, patch, now);
  }

  deleteThread(threadId: string): Promise<void> {
    return threads.deleteThread(this.ctx, threadId);
  }

  appendMessage(message: Omit<MessageRecord, "position">): Promise<MessageRecord> {
    return messages.appendMessage(this.ctx, message);
  }

  saveMessage(message: Omit<MessageRecord, "position">): Promise<MessageRecord> {
    return messages.saveMessage(this.ctx, message);
  }

  insertStream(stream: StreamRecord, firstDeltas: readonly DeltaRecord[] = []): Promise<void> {
    return streams.insertStream(this.ctx, stream, firstDeltas);
  }

  updateStream(
    streamId: string,
    patch: StreamPatch,
    appended: readonly DeltaRecord[] = [],
  ): Promise<StreamRecord> {
    return streams.updateStream(this.ctx, streamId, patch, appended);
  }

  appendOwnedDelta(delta: DeltaRecord, lockId: string): Promise<boolean> {
    return deltas.appendOwnedDelta(this.ctx, delta, lockId);
  }

  deleteStream(streamId: string): Promise<void> {
    return streams.deleteStream(this.ctx, streamId);
  }

  insertToolCall(call: ToolCallRecord): Promise<boolean> {
    return toolCalls.insertToolCall(this.ctx, call);
  }

  updatePendingToolCall(
    threadId: string,
    toolCallId: string,
    expected: PendingToolCallExpectation,
    patch: ToolCallPatch,
    now: number,
  ): Promise<ToolCallRecord | undefined> {
    return toolCalls.updatePendingToolCall(this.ctx, threadId, toolCallId, expected, patch, now);
  }

  updateToolCall(
    threadId: string,
    toolCallId: string,
    patch: ToolCallPatch,
    now: number,
  ): Promise<ToolCallRecord> {
    return toolCalls.updateToolCall(this.ctx, threadId, toolCallId, patch, now);
  }

  enqueueMessage(
    message: Omit<QueuedMessageRecord, "queuePosition">,
  ): Promise<QueuedMessageRecord> {
    return queuedMessages.enqueueMessage(this.ctx, message);
  }

  takeQueuedMessages(threadId: string): Promise<QueuedMessageRecord[]> {
    return queuedMessages.takeQueuedMessages(this.ctx, threadId);
  }

  upsertTool(tool: ToolDefinitionRecord): Promise<void> {
    return tools.upsertTool(this.ctx, tool);
  }

  scheduleJob(job: NewJob, now: number, lease?: JobLease): Promise<JobRecord> {
    return jobs.scheduleJob(this.ctx, job, now, lease);
  }

  completeJob(jobId: string, owner: string): Promise<boolean> {
    return jobLeases.completeJob(this.ctx, jobId, owner);
  }

  cancelJobs(keys: readonly JobKey[]): Promise<void> {
    return jobs.cancelJobs(this.ctx, keys);
  }

  cancelThreadJobs(threadId: string, types?: readonly string[]): Promise<void> {
    return jobs.cancelThreadJobs(this.ctx, threadId, types);
  }
}
