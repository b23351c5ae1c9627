// StoreReader over Kysely: delegates each read to its table module. Given a transaction, it reads
// inside it and so sees the transaction's own writes.
import type { ThreadStatus } from "@durable-agents/core";
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
  ListDeltasQuery,
  ListMessagesQuery,
  ListThreadsQuery,
  ListToolCallsQuery,
  QueuedMessageRecord,
  StoreReader,
  ThreadActivity,
} from "../store.js";
import * as deltas from "./deltas.js";
import * as jobs from "./jobs.js";
import * as messages from "./messages.js";
import type { QueryContext } from "./query-context.js";
import * as queuedMessages from "./queued-messages.js";
import * as streams from "./streams.js";
import * as threadActivity from "./thread-activity.js";
import * as threads from "./threads.js";
import * as toolCalls from "./tool-calls.js";
import * as tools from "./tools.js";

export class KyselyStoreReader implements StoreReader {
  protected readonly ctx: QueryContext;

  constructor(ctx: QueryContext) {
    this.ctx = ctx;
  }

  getThread(threadId: string): Promise<ThreadRecord | undefined> {
    return threads.getThread(this.ctx, threadId);
  }

  listThreads(query: ListThreadsQuery): Promise<ThreadRecord[]> {
    return threads.listThreads(this.ctx, query);
  }

  listThreadsByStatus(
    statuses: readonly ThreadStatus[],
    after: string | undefined,
    limit: number,
  ): Promise<ThreadRecord[]> {
    return threads.listThreadsByStatus(this.ctx, statuses, after, limit);
  }

  getMessage(threadId: string, messageId: string): Promise<MessageRecord | undefined> {
    return messages.getMessage(this.ctx, threadId, messageId);
  }

  listMessages(threadId: string, query: ListMessagesQuery): Promise<MessageRecord[]> {
    return messages.listMessages(this.ctx, threadId, query);
  }

  getLastMessage(threadId: string): Promise<MessageRecord | undefined> {
    return messages.getLastMessage(this.ctx, threadId);
  }

  getStream(streamId: string): Promise<StreamRecord | undefined> {
    return streams.getStream(this.ctx, streamId);
  }

  listStreams(
    threadId: string,
    statuses?: readonly StreamRecord["status"][],
  ): Promise<StreamRecord[]> {
    return streams.listStreams(this.ctx, threadId, statuses);
  }

  listSilentStreams(
    heartbeatAtOrBefore: number,
    after: { heartbeatAt: number; streamId: string } | undefined,
    limit: number,
  ): Promise<StreamRecord[]> {
    return streams.listSilentStreams(this.ctx, heartbeatAtOrBefore, after, limit);
  }

  listDeltas(threadId: string, query: ListDeltasQuery): Promise<DeltaRecord[]> {
    return deltas.listDeltas(this.ctx, threadId, query);
  }

  getToolCall(threadId: string, toolCallId: string): Promise<ToolCallRecord | undefined> {
    return toolCalls.getToolCall(this.ctx, threadId, toolCallId);
  }

  listToolCalls(threadId: string, query: ListToolCallsQuery): Promise<ToolCallRecord[]> {
    return toolCalls.listToolCalls(this.ctx, threadId, query);
  }

  countPendingToolCalls(threadId: string): Promise<number> {
    return toolCalls.countPendingToolCalls(this.ctx, threadId);
  }

  readThreadActivity(threadId: string): Promise<ThreadActivity> {
    return threadActivity.readThreadActivity(this.ctx, threadId);
  }

  listPendingSyncToolCalls(
    after: { threadId: string; toolCallId: string } | undefined,
    limit: number,
  ): Promise<ToolCallRecord[]> {
    return toolCalls.listPendingSyncToolCalls(this.ctx, after, limit);
  }

  listPendingToolCalls(
    after: { threadId: string; toolCallId: string } | undefined,
    limit: number,
  ): Promise<ToolCallRecord[]> {
    return toolCalls.listPendingToolCalls(this.ctx, after, limit);
  }

  listQueuedMessages(threadId: string): Promise<QueuedMessageRecord[]> {
    return queuedMessages.listQueuedMessages(this.ctx, threadId);
  }

  getTool(name: string): Promise<ToolDefinitionRecord | undefined> {
    return tools.getTool(this.ctx, name);
  }

  listTools(afterName: string | undefined, limit: number): Promise<ToolDefinitionRecord[]> {
    return tools.listTools(this.ctx, afterName, limit);
  }

  nextJobDueAt(): Promise<number | undefined> {
    return jobs.nextJobDueAt(this.ctx);
  }

  findJob(type: string, key: string): Promise<JobRecord | undefined> {
    return jobs.findJob(this.ctx, type, key);
  }
}
