// Protobuf messages → the client's plain shapes (types.ts). Messages and chunks go through
// @durable-agents/core's AI SDK conversions, so they come out exactly as the AI SDK would hold them.
import { type Duration, durationMs, type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import {
  protoToUIChunk,
  protoToUIMessage,
  protoToUsage,
  protoValueToJson,
} from "@durable-agents/core";
import type * as proto from "@durable-agents/core/proto";
import type { LanguageModelUsage, UIMessage, UIMessageChunk } from "ai";
import { ProtocolError } from "../errors.js";
import type {
  Agent,
  BackoffPolicy,
  Delta,
  MessageDetails,
  RetryState,
  StreamCursor,
  StreamState,
  StuckThread,
  StuckToolCall,
  Thread,
  ThreadFailure,
  ThreadSnapshot,
  ToolCall,
  ToolDefinition,
  ToolRetryPolicy,
  TurnRetryPolicy,
  WatchCursor,
} from "../types.js";
import {
  errorKindFromProto,
  executionStateFromProto,
  streamStatusFromProto,
  stuckReasonFromProto,
  threadStatusFromProto,
  toolCallStatusFromProto,
  toolKindFromProto,
} from "./enums.js";

const dateOf = (timestamp: Timestamp | undefined) =>
  timestamp === undefined ? undefined : timestampDate(timestamp);
const msOf = (duration: Duration | undefined) =>
  duration === undefined ? undefined : durationMs(duration);
/** Empty proto3 strings mean "not set" for the optional texts of the API. */
const textOf = (text: string) => (text === "" ? undefined : text);

/** required reads a message field the API always sets; a missing one is a protocol error. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ProtocolError(`the server sent no ${what}`);
  return value;
}

const EMPTY_USAGE: LanguageModelUsage = {
  inputTokens: undefined,
  inputTokenDetails: {
    noCacheTokens: undefined,
    cacheReadTokens: undefined,
    cacheWriteTokens: undefined,
  },
  outputTokens: undefined,
  outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
  totalTokens: undefined,
};

export function usageFromProto(usage: proto.Usage | undefined): LanguageModelUsage {
  return usage === undefined ? EMPTY_USAGE : protoToUsage(usage);
}

export function retryStateFromProto(state: proto.RetryState): RetryState {
  return {
    attempt: state.attempt,
    maxAttempts: state.maxAttempts,
    nextRetryTime: dateOf(state.nextRetryTime),
    error: state.error,
    kind: errorKindFromProto(state.kind),
    retryable: state.retryable,
    requiresExplicitHandling: state.requiresExplicitHandling,
    providerRetryAfterMs: msOf(state.providerRetryAfter),
    outputEmitted: state.outputEmitted,
  };
}

function failureFromProto(failure: proto.ThreadFailure): ThreadFailure {
  return {
    error: failure.error,
    kind: errorKindFromProto(failure.kind),
    retryable: failure.retryable,
    requiresExplicitHandling: failure.requiresExplicitHandling,
    attempt: failure.attempt,
    maxAttempts: failure.maxAttempts,
    providerRetryAfterMs: msOf(failure.providerRetryAfter),
    outputEmitted: failure.outputEmitted,
    failTime: dateOf(failure.failTime),
  };
}

export function threadFromProto(thread: proto.Thread | undefined): Thread {
  const value = required(thread, "thread");
  return {
    threadId: value.threadId,
    agent: value.agent,
    status: threadStatusFromProto(value.status),
    stopSignal: value.stopSignal,
    activeStreamId: value.activeStreamId,
    retryState: value.retryState === undefined ? undefined : retryStateFromProto(value.retryState),
    failure: value.failure === undefined ? undefined : failureFromProto(value.failure),
    seq: Number(value.seq),
    version: Number(value.version),
    queuedMessageCount: value.queuedMessageCount,
    usage: usageFromProto(value.usage),
    createTime: dateOf(value.createTime),
    updateTime: dateOf(value.updateTime),
    metadata: value.metadata ?? {},
  };
}

export function messageFromProto(message: proto.Message | undefined): UIMessage {
  return protoToUIMessage(required(message, "message"));
}

export function messageDetailsFromProto(message: proto.Message): MessageDetails {
  return {
    messageId: message.messageId,
    threadId: message.threadId,
    committedSeq: Number(message.committedSeq),
    createTime: dateOf(message.createTime),
    usage: message.usage === undefined ? undefined : protoToUsage(message.usage),
  };
}

export function toolCallFromProto(call: proto.ToolCall | undefined): ToolCall {
  const value = required(call, "tool call");
  return {
    threadId: value.threadId,
    toolCallId: value.toolCallId,
    toolName: value.toolName,
    kind: toolKindFromProto(value.kind),
    args: protoValueToJson(value.args) ?? null,
    status: toolCallStatusFromProto(value.status),
    result: protoValueToJson(value.result),
    error: textOf(value.error),
    attempt: value.attempt,
    maxAttempts: value.maxAttempts,
    lastError: textOf(value.lastError),
    nextRetryTime: dateOf(value.nextRetryTime),
    deadline: dateOf(value.deadline),
    runnerId: textOf(value.runnerId),
    lastHeartbeatTime: dateOf(value.lastHeartbeatTime),
    createTime: dateOf(value.createTime),
    updateTime: dateOf(value.updateTime),
    executionState: executionStateFromProto(value.executionState),
    messageId: value.messageId,
  };
}

function backoffFromProto(policy: proto.BackoffPolicy | undefined): BackoffPolicy | undefined {
  if (policy === undefined) return undefined;
  return {
    initialDelayMs: msOf(policy.initialDelay) ?? 0,
    multiplier: policy.multiplier,
    maxDelayMs: msOf(policy.maxDelay),
    jitter: policy.jitter,
  };
}

function toolRetryFromProto(
  policy: proto.ToolRetryPolicy | undefined,
): ToolRetryPolicy | undefined {
  if (policy === undefined) return undefined;
  return {
    enabled: policy.enabled,
    maxAttempts: policy.maxAttempts,
    backoff: backoffFromProto(policy.backoff),
  };
}

function turnRetryFromProto(
  policy: proto.TurnRetryPolicy | undefined,
): TurnRetryPolicy | undefined {
  if (policy === undefined) return undefined;
  return {
    enabled: policy.enabled,
    maxAttempts: policy.maxAttempts,
    backoff: backoffFromProto(policy.backoff),
    retryAfterToolCalls: policy.retryAfterToolCalls,
  };
}

export function toolDefinitionFromProto(tool: proto.ToolDefinition): ToolDefinition {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema ?? {},
    kind: toolKindFromProto(tool.kind),
    retry: toolRetryFromProto(tool.retry),
    timeoutMs: msOf(tool.timeout),
    runnerId: textOf(tool.runnerId),
    registerTime: dateOf(tool.registerTime),
  };
}

export function agentFromProto(agent: proto.Agent | undefined): Agent {
  const value = required(agent, "agent");
  return {
    name: value.name,
    model: value.model,
    system: value.system,
    tools: [...value.tools],
    retry: turnRetryFromProto(value.retry),
    toolRetry: toolRetryFromProto(value.toolRetry),
    streaming:
      value.streaming === undefined
        ? undefined
        : {
            saveDeltas: value.streaming.saveDeltas,
            throttleMs: msOf(value.streaming.throttle) ?? 0,
            includeToolInputDeltas: value.streaming.includeToolInputDeltas,
          },
    maxSteps: value.maxSteps,
  };
}

export function stuckThreadFromProto(stuck: proto.StuckThread): StuckThread {
  return {
    thread: threadFromProto(stuck.thread),
    reason: stuckReasonFromProto(stuck.reason),
    detail: stuck.detail,
  };
}

export function stuckToolCallFromProto(stuck: proto.StuckToolCall): StuckToolCall {
  return {
    toolCall: toolCallFromProto(stuck.toolCall),
    reason: stuckReasonFromProto(stuck.reason),
    detail: stuck.detail,
  };
}

export function streamCursorFromProto(cursor: proto.StreamCursor | undefined): StreamCursor {
  const value = required(cursor, "cursor");
  return { streamSeq: Number(value.streamSeq), deltaSeq: Number(value.deltaSeq) };
}

export function watchCursorFromProto(cursor: proto.WatchCursor | undefined): WatchCursor {
  const value = required(cursor, "cursor");
  return {
    stream: streamCursorFromProto(value.stream),
    threadVersion: Number(value.threadVersion),
  };
}

export function deltaFromProto(delta: proto.Delta): Delta {
  return {
    streamId: delta.streamId,
    streamSeq: Number(delta.streamSeq),
    deltaSeq: Number(delta.deltaSeq),
    messageId: delta.messageId,
    messageSeq: Number(delta.messageSeq),
    chunks: delta.chunks.map((chunk): UIMessageChunk => protoToUIChunk(chunk)),
    createTime: dateOf(delta.createTime),
  };
}

export function streamStateFromProto(state: proto.StreamState): StreamState {
  return {
    streamId: state.streamId,
    streamSeq: Number(state.streamSeq),
    status: streamStatusFromProto(state.status),
    abortReason: textOf(state.abortReason),
  };
}

export function snapshotFromProto(snapshot: proto.ThreadSnapshot): ThreadSnapshot {
  return {
    thread: threadFromProto(snapshot.thread),
    messages: snapshot.messages.map(messageFromProto),
    details: snapshot.messages.map(messageDetailsFromProto),
    toolCalls: snapshot.toolCalls.map(toolCallFromProto),
  };
}
