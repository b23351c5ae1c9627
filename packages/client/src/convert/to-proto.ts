// The client's plain inputs → protobuf request fields.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { uiMessageToProto } from "@durable-agents/core";
import {
  type Message,
  type StreamCursor as ProtoStreamCursor,
  type WatchCursor as ProtoWatchCursor,
  StreamCursorSchema,
  type ToolDefinitionSchema,
  WatchCursorSchema,
} from "@durable-agents/core/proto";
import type { UIMessage } from "ai";
import type {
  BackoffPolicy,
  StreamCursor,
  ToolDefinitionInput,
  ToolRetryPolicy,
  WatchCursor,
} from "../types.js";
import { toolKindToProto } from "./enums.js";

export function messageToProto(message: UIMessage): Message {
  return uiMessageToProto(message);
}

export const streamCursorToProto = (cursor: StreamCursor): ProtoStreamCursor =>
  create(StreamCursorSchema, {
    streamSeq: BigInt(cursor.streamSeq),
    deltaSeq: BigInt(cursor.deltaSeq),
  });

export const watchCursorToProto = (cursor: WatchCursor): ProtoWatchCursor =>
  create(WatchCursorSchema, {
    stream: streamCursorToProto(cursor.stream),
    threadVersion: BigInt(cursor.threadVersion),
  });

function backoffToProto(policy: BackoffPolicy) {
  return {
    initialDelay: durationFromMs(policy.initialDelayMs),
    multiplier: policy.multiplier,
    maxDelay: policy.maxDelayMs === undefined ? undefined : durationFromMs(policy.maxDelayMs),
    jitter: policy.jitter,
  };
}

function toolRetryToProto(policy: ToolRetryPolicy) {
  return {
    enabled: policy.enabled,
    maxAttempts: policy.maxAttempts,
    backoff: policy.backoff === undefined ? undefined : backoffToProto(policy.backoff),
  };
}

export function toolDefinitionToProto(
  tool: ToolDefinitionInput,
): MessageInitShape<typeof ToolDefinitionSchema> {
  return {
    name: tool.name,
    description: tool.description ?? "",
    inputSchema: tool.inputSchema,
    kind: toolKindToProto(tool.kind ?? "sync"),
    retry: tool.retry === undefined ? undefined : toolRetryToProto(tool.retry),
    timeout: tool.timeoutMs === undefined ? undefined : durationFromMs(tool.timeoutMs),
  };
}
