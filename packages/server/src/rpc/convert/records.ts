// Engine records → protobuf messages, for responses and stream events.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { jsonToProtoValue, uiChunkToProto, uiMessageToProto } from "@durable-agents/core";
import {
  type Agent,
  AgentSchema,
  type Delta,
  DeltaSchema,
  type Message,
  type RetryState,
  RetryStateSchema,
  type StreamState,
  StreamStateSchema,
  type Thread,
  ThreadFailureSchema,
  ThreadSchema,
  type ToolCall,
  ToolCallSchema,
  type ToolDefinition,
  ToolDefinitionSchema,
  type Usage,
  UsageSchema,
} from "@durable-agents/core/proto";
import type { AgentDefinition } from "../../engine/context.js";
import type {
  DeltaRecord,
  MessageRecord,
  RetryStateRecord,
  StreamRecord,
  ThreadRecord,
  ToolCallRecord,
  ToolDefinitionRecord,
  Usage as UsageRecord,
} from "../../store/records.js";
import {
  errorKindToProto,
  executionStateToProto,
  streamStatusToProto,
  threadStatusToProto,
  toolCallStatusToProto,
  toolKindToProto,
} from "./enums.js";
import { backoffToProto } from "./policies.js";

const optionalTimestamp = (ms: number | null) => (ms === null ? undefined : timestampFromMs(ms));

export function usageToProto(usage: UsageRecord): Usage {
  return create(UsageSchema, {
    inputTokens: BigInt(usage.inputTokens),
    outputTokens: BigInt(usage.outputTokens),
    totalTokens: BigInt(usage.totalTokens),
    reasoningTokens: BigInt(usage.reasoningTokens),
    cachedInputTokens: BigInt(usage.cachedInputTokens),
    cacheWriteTokens: BigInt(usage.cacheWriteTokens),
  });
}

export function retryStateToProto(state: RetryStateRecord): RetryState {
  return create(RetryStateSchema, {
    attempt: state.attempt,
    maxAttempts: state.maxAttempts,
    nextRetryTime: timestampFromMs(state.nextRetryAt),
    error: state.error,
    kind: errorKindToProto(state.kind),
    retryable: state.retryable,
    requiresExplicitHandling: state.requiresExplicitHandling,
    providerRetryAfter:
      state.providerRetryAfterMs === null ? undefined : durationFromMs(state.providerRetryAfterMs),
    outputEmitted: state.outputEmitted,
  });
}

export function threadToProto(thread: ThreadRecord): Thread {
  const { failure } = thread;
  return create(ThreadSchema, {
    threadId: thread.threadId,
    agent: thread.agent,
    status: threadStatusToProto(thread.status),
    stopSignal: thread.stopSignal,
    activeStreamId: thread.activeStreamId ?? undefined,
    retryState: thread.retryState === null ? undefined : retryStateToProto(thread.retryState),
    seq: BigInt(thread.seq),
    usage: usageToProto(thread.usage),
    createTime: timestampFromMs(thread.createdAt),
    updateTime: timestampFromMs(thread.updatedAt),
    metadata: thread.metadata as JsonObject,
    failure:
      failure === null
        ? undefined
        : create(ThreadFailureSchema, {
            error: failure.error,
            kind: errorKindToProto(failure.kind),
            retryable: failure.retryable,
            requiresExplicitHandling: failure.requiresExplicitHandling,
            attempt: failure.attempt,
            maxAttempts: failure.maxAttempts,
            providerRetryAfter:
              failure.providerRetryAfterMs === null
                ? undefined
                : durationFromMs(failure.providerRetryAfterMs),
            outputEmitted: failure.outputEmitted,
            failTime: timestampFromMs(failure.failedAt),
          }),
    version: BigInt(thread.version),
    queuedMessageCount: thread.queuedMessageCount,
  });
}

export function messageToProto(message: MessageRecord): Message {
  const proto = uiMessageToProto(
    {
      id: message.messageId,
      role: message.role,
      parts: message.parts,
      ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
    },
    {
      threadId: message.threadId,
      committedSeq: message.committedSeq,
      createTime: new Date(message.createdAt),
    },
  );
  if (message.usage !== null) proto.usage = usageToProto(message.usage);
  return proto;
}

export function toolCallToProto(call: ToolCallRecord): ToolCall {
  return create(ToolCallSchema, {
    threadId: call.threadId,
    toolCallId: call.toolCallId,
    toolName: call.toolName,
    kind: toolKindToProto(call.kind),
    args: jsonToProtoValue(call.args),
    status: toolCallStatusToProto(call.status),
    result: call.status === "completed" ? jsonToProtoValue(call.result ?? null) : undefined,
    error: call.error ?? "",
    attempt: call.attempt,
    maxAttempts: call.maxAttempts,
    lastError: call.lastError ?? "",
    nextRetryTime: optionalTimestamp(call.nextRetryAt),
    deadline: optionalTimestamp(call.deadlineAt),
    runnerId: call.runnerId ?? "",
    lastHeartbeatTime: optionalTimestamp(call.lastHeartbeatAt),
    createTime: timestampFromMs(call.createdAt),
    updateTime: timestampFromMs(call.updatedAt),
    executionState: executionStateToProto(call.executionState),
    messageId: call.messageId,
  });
}

export function deltaToProto(delta: DeltaRecord): Delta {
  return create(DeltaSchema, {
    streamId: delta.streamId,
    streamSeq: BigInt(delta.streamSeq),
    deltaSeq: BigInt(delta.deltaSeq),
    messageId: delta.messageId,
    messageSeq: BigInt(delta.messageSeq),
    chunks: delta.chunks.map(uiChunkToProto),
    createTime: timestampFromMs(delta.createdAt),
  });
}

export function streamStateToProto(stream: StreamRecord): StreamState {
  return create(StreamStateSchema, {
    streamId: stream.streamId,
    streamSeq: BigInt(stream.seq),
    status: streamStatusToProto(stream.status),
    abortReason: stream.abortReason ?? "",
  });
}

export function agentToProto(agent: AgentDefinition): Agent {
  return create(AgentSchema, {
    name: agent.name,
    model: agent.modelName,
    system: agent.system ?? "",
    tools: [...agent.tools],
    retry: {
      enabled: agent.retry.enabled ?? true,
      maxAttempts: agent.retry.maxAttempts ?? 3,
      backoff: agent.retry.backoff === undefined ? undefined : backoffToProto(agent.retry.backoff),
      retryAfterToolCalls: agent.retry.retryAfterToolCalls ?? false,
    },
    toolRetry:
      agent.toolRetry === undefined
        ? undefined
        : {
            enabled: agent.toolRetry.enabled,
            maxAttempts: agent.toolRetry.maxAttempts ?? 3,
            backoff:
              agent.toolRetry.backoff === undefined
                ? undefined
                : backoffToProto(agent.toolRetry.backoff),
          },
    streaming: {
      saveDeltas: agent.streaming.saveDeltas,
      throttle: durationFromMs(agent.streaming.throttleMs),
      includeToolInputDeltas: agent.streaming.includeToolInputDeltas,
    },
    maxSteps: agent.maxSteps,
  });
}

export function toolDefinitionToProto(tool: ToolDefinitionRecord): ToolDefinition {
  return create(ToolDefinitionSchema, {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema as JsonObject,
    kind: toolKindToProto(tool.kind),
    retry:
      tool.retry === null
        ? undefined
        : {
            enabled: true,
            maxAttempts: tool.retry.maxAttempts,
            backoff: {
              initialDelay: durationFromMs(tool.retry.initialDelayMs),
              multiplier: tool.retry.multiplier,
              maxDelay:
                tool.retry.maxDelayMs === null ? undefined : durationFromMs(tool.retry.maxDelayMs),
              jitter: tool.retry.jitter,
            },
          },
    timeout: tool.timeoutMs === null ? undefined : durationFromMs(tool.timeoutMs),
    runnerId: tool.runnerId ?? "",
    registerTime: timestampFromMs(tool.registeredAt),
  });
}
