// Runner wire messages (runner.proto) ⇄ the domain types of the tool SDK, in one place.
import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, timestampMs, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { BackoffPolicy, ToolRetryPolicy } from "@durable-agents/core";
import { jsonToProtoValue, protoValueToJson } from "@durable-agents/core";
import {
  BackoffPolicySchema,
  RegisterToolsRequestSchema,
  ToolCancellationSchema,
  ToolDefinitionSchema,
  ToolKind,
  ToolOutcomeSchema,
  ToolProgressSchema,
  type ToolProgressState,
  ToolRetryPolicySchema,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import type { ToolDefinition } from "../define-tool.js";
import type { ToolExecutionRequest, ToolExecutionResult } from "../execute-tool.js";

/** A decoded ToolTask: the attempt to execute and when the server gives up on it. */
export interface DecodedTask {
  request: ToolExecutionRequest;
  /** ms since the epoch; undefined when the call has no deadline. */
  deadlineMs: number | undefined;
}

/** Decodes a ToolTask; throws on bytes that are no ToolTask or args that are no JSON. */
export function decodeTask(data: Uint8Array): DecodedTask {
  const task = fromBinary(ToolTaskSchema, data);
  return {
    request: {
      threadId: task.threadId,
      toolCallId: task.toolCallId,
      toolName: task.toolName,
      // Unset args reach the schema as undefined, which it refuses unless they are optional.
      args: protoValueToJson(task.args),
      kind: task.kind === ToolKind.ASYNC ? "async" : "sync",
      attempt: task.attempt,
      maxAttempts: task.maxAttempts,
      // The turn's span context (X6); an empty traceparent means the server traces nothing.
      traceContext:
        task.traceContext === undefined || task.traceContext.traceparent === ""
          ? undefined
          : task.traceContext.tracestate === ""
            ? { traceparent: task.traceContext.traceparent }
            : {
                traceparent: task.traceContext.traceparent,
                tracestate: task.traceContext.tracestate,
              },
    },
    deadlineMs: task.deadline === undefined ? undefined : timestampMs(task.deadline),
  };
}

/** Identifies one attempt held by one runner. */
export interface AttemptIdentity {
  threadId: string;
  toolCallId: string;
  attempt: number;
  runnerId: string;
}

/** Encodes the ToolOutcome of an attempt. A result that is no JSON (a bigint…) fails the attempt. */
export function encodeOutcome(
  identity: AttemptIdentity,
  result: ToolExecutionResult,
  durationMs: number,
): Uint8Array {
  const base = {
    threadId: identity.threadId,
    toolCallId: identity.toolCallId,
    attempt: identity.attempt,
    runnerId: identity.runnerId,
    duration: durationFromMs(Math.max(0, Math.round(durationMs))),
  };
  if (result.type === "delivered") {
    return toBinary(
      ToolOutcomeSchema,
      create(ToolOutcomeSchema, { ...base, outcome: { case: "callbackDelivered", value: {} } }),
    );
  }
  if (result.type === "result") {
    let value: Value;
    try {
      // A value JSON drops (a function…) is sent as null, as JSON.stringify would in an array.
      value = jsonToProtoValue(result.value) ?? fromJson(ValueSchema, null);
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      return encodeOutcome(
        identity,
        {
          type: "failed",
          failure: {
            message: `The tool returned a result that is not JSON: ${message}`,
            retryableHint: false,
          },
        },
        durationMs,
      );
    }
    return toBinary(
      ToolOutcomeSchema,
      create(ToolOutcomeSchema, { ...base, outcome: { case: "result", value } }),
    );
  }
  const { failure } = result;
  return toBinary(
    ToolOutcomeSchema,
    create(ToolOutcomeSchema, {
      ...base,
      outcome: {
        case: "error",
        value: {
          message: failure.message,
          name: failure.name ?? "",
          code: failure.code ?? "",
          status:
            failure.status !== undefined && Number.isInteger(failure.status) ? failure.status : 0,
          retryableHint: failure.retryableHint,
          retryDelay:
            failure.retryDelayMs === undefined
              ? undefined
              : durationFromMs(Math.max(0, Math.round(failure.retryDelayMs))),
        },
      },
    }),
  );
}

/** Encodes a ToolProgress report (X9). */
export function encodeProgress(identity: AttemptIdentity, state: ToolProgressState): Uint8Array {
  return toBinary(ToolProgressSchema, create(ToolProgressSchema, { ...identity, state }));
}

/** A decoded ToolCancellation: `attempt` 0 means every attempt of the call. */
export interface DecodedCancellation {
  threadId: string;
  toolCallId: string;
  attempt: number;
  reason: string;
}

export function decodeCancellation(data: Uint8Array): DecodedCancellation {
  const cancellation = fromBinary(ToolCancellationSchema, data);
  return {
    threadId: cancellation.threadId,
    toolCallId: cancellation.toolCallId,
    attempt: cancellation.attempt,
    reason: cancellation.reason,
  };
}

function backoffToProto(backoff: BackoffPolicy) {
  if (backoff.strategy === "fixed") {
    return create(BackoffPolicySchema, {
      initialDelay: durationFromMs(backoff.delayMs),
      multiplier: 1,
      maxDelay: durationFromMs(backoff.delayMs),
      jitter: backoff.jitter === "full",
    });
  }
  return create(BackoffPolicySchema, {
    initialDelay: durationFromMs(backoff.initialDelayMs),
    multiplier: backoff.multiplier,
    maxDelay: durationFromMs(backoff.maxDelayMs),
    jitter: backoff.jitter === "full",
  });
}

function retryToProto(retry: ToolRetryPolicy) {
  return create(ToolRetryPolicySchema, {
    enabled: retry.enabled,
    // 0 lets the server apply its default (3).
    maxAttempts: retry.maxAttempts ?? 0,
    backoff: retry.backoff === undefined ? undefined : backoffToProto(retry.backoff),
  });
}

/** Encodes the RegisterToolsRequest announcing `tools` (name, schema, kind, retry, timeout). */
export function encodeRegisterRequest(
  runnerId: string,
  tools: readonly ToolDefinition[],
): Uint8Array {
  return toBinary(
    RegisterToolsRequestSchema,
    create(RegisterToolsRequestSchema, {
      runnerId,
      tools: tools.map((tool) =>
        create(ToolDefinitionSchema, {
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          kind: tool.kind === "async" ? ToolKind.ASYNC : ToolKind.SYNC,
          retry: tool.retry === undefined ? undefined : retryToProto(tool.retry),
          timeout: tool.timeoutMs === undefined ? undefined : durationFromMs(tool.timeoutMs),
          runnerId,
        }),
      ),
    }),
  );
}
