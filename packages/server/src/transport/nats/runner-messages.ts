// The runner wire protocol's messages (runner.proto) ⇄ the transport's domain types: what the
// server sends (ToolTask, ToolCancellation) and reads (ToolOutcome, ToolProgress). Binary
// protobuf on the wire, so runners in any language can speak it (X4).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { durationFromMs, durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { jsonToProtoValue, protoValueToJson } from "@durable-agents/core";
import {
  ToolCancellationSchema,
  type ToolOutcome as ToolOutcomeMessage,
  ToolOutcomeSchema,
  ToolProgressSchema,
  ToolProgressState,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import { toolKindToProto } from "../../rpc/convert/enums.js";
import type { ToolFailure, ToolOutcome, ToolProgress, ToolTask } from "../tool-transport.js";

/** `Nats-Msg-Id` of a task: JetStream drops a re-published attempt within its duplicate window. */
export function taskMessageId(task: Pick<ToolTask, "threadId" | "toolCallId" | "attempt">) {
  return `${task.threadId}:${task.toolCallId}:${task.attempt}`;
}

export function encodeToolTask(task: ToolTask): Uint8Array {
  return toBinary(
    ToolTaskSchema,
    create(ToolTaskSchema, {
      threadId: task.threadId,
      toolCallId: task.toolCallId,
      toolName: task.toolName,
      args: jsonToProtoValue(task.args),
      kind: toolKindToProto(task.kind),
      attempt: task.attempt,
      maxAttempts: task.maxAttempts,
      deadline: task.deadlineAt === null ? undefined : timestampFromMs(task.deadlineAt),
      // X6: the runner's execution span becomes a child of the dispatch's span.
      traceContext:
        task.traceContext === undefined
          ? undefined
          : {
              traceparent: task.traceContext.traceparent,
              tracestate: task.traceContext.tracestate ?? "",
            },
    }),
  );
}

export function encodeToolCancellation(cancellation: {
  threadId: string;
  toolCallId: string;
  attempt: number;
  reason: string;
}): Uint8Array {
  return toBinary(ToolCancellationSchema, create(ToolCancellationSchema, cancellation));
}

/** A message that is not a valid outcome or progress report; it is dropped (and logged). */
export class RunnerMessageError extends Error {
  override readonly name = "RunnerMessageError";
}

export function isRunnerMessageError(error: unknown): error is RunnerMessageError {
  return error instanceof RunnerMessageError;
}

function requireIdentity(message: { threadId: string; toolCallId: string; attempt: number }) {
  if (message.threadId === "" || message.toolCallId === "" || message.attempt < 1) {
    throw new RunnerMessageError(
      "a runner message needs thread_id, tool_call_id and an attempt from 1",
    );
  }
}

/** What a runner's outcome may hold (X5). */
export interface OutcomeLimits {
  /** Largest result, in bytes of its JSON (`limits.maxToolResultBytes`). */
  maxToolResultBytes: number;
}

type OutcomeIdentity = Pick<ToolOutcome, "threadId" | "toolCallId" | "attempt">;
type OutcomeBase = OutcomeIdentity & Pick<ToolOutcome, "runnerId" | "durationMs">;

/** A failure the server reports for a runner's outcome it cannot take; retrying cannot help. */
function refusedOutcome(base: OutcomeBase, message: string): ToolOutcome {
  return { ...base, type: "error", error: { message, retryableHint: false } };
}

/**
 * The call a ToolOutcome is about, read field by field without decoding the rest, for an outcome
 * whose whole message does not decode (e.g. a result nested deeper than protobuf-es reads).
 * Undefined when even that cannot be read.
 */
function readOutcomeIdentity(data: Uint8Array): OutcomeIdentity | undefined {
  try {
    const reader = new BinaryReader(data);
    const identity = { threadId: "", toolCallId: "", attempt: 0 };
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === 1 && wireType === WireType.LengthDelimited)
        identity.threadId = reader.string();
      else if (fieldNo === 2 && wireType === WireType.LengthDelimited)
        identity.toolCallId = reader.string();
      else if (fieldNo === 3 && wireType === WireType.Varint) identity.attempt = reader.int32();
      else reader.skip(wireType, fieldNo);
    }
    requireIdentity(identity);
    return identity;
  } catch {
    return undefined;
  }
}

/**
 * Decodes a ToolOutcome; throws {@link RunnerMessageError} for one that says nothing usable. An
 * outcome whose result is over `limits.maxToolResultBytes`, or that does not decode while its call
 * can still be named, fails that call with a clear error instead (X5): dropping it would leave
 * the call pending until its deadline.
 */
export function decodeToolOutcome(data: Uint8Array, limits: OutcomeLimits): ToolOutcome {
  let message: ToolOutcomeMessage;
  try {
    message = fromBinary(ToolOutcomeSchema, data);
  } catch (error: unknown) {
    const identity = readOutcomeIdentity(data);
    if (identity === undefined) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return refusedOutcome(
      { ...identity, runnerId: "", durationMs: 0 },
      `the runner's outcome could not be read: ${reason}`,
    );
  }
  requireIdentity(message);
  const base = {
    threadId: message.threadId,
    toolCallId: message.toolCallId,
    attempt: message.attempt,
    runnerId: message.runnerId,
    durationMs: message.duration === undefined ? 0 : durationMs(message.duration),
  };
  const { outcome } = message;
  switch (outcome.case) {
    case "result": {
      // An unset result is a handler that returned nothing: JSON null, as in-process.
      const result = protoValueToJson(outcome.value) ?? null;
      const bytes = Buffer.byteLength(JSON.stringify(result), "utf8");
      if (bytes > limits.maxToolResultBytes) {
        return refusedOutcome(
          base,
          `the tool result is ${bytes} bytes of JSON, more than the limit of ` +
            `${limits.maxToolResultBytes} (limits.maxToolResultBytes)`,
        );
      }
      return { ...base, type: "result", result };
    }
    case "error": {
      const error = outcome.value;
      const failure: ToolFailure = {
        message: error.message,
        ...(error.name === "" ? {} : { name: error.name }),
        ...(error.code === "" ? {} : { code: error.code }),
        ...(error.status === 0 ? {} : { status: error.status }),
        ...(error.retryableHint === undefined ? {} : { retryableHint: error.retryableHint }),
        ...(error.retryDelay === undefined
          ? {}
          : { retryDelayMs: Math.max(0, durationMs(error.retryDelay)) }),
      };
      return { ...base, type: "error", error: failure };
    }
    case "callbackDelivered":
      return { ...base, type: "callback_delivered" };
    case undefined:
      throw new RunnerMessageError("a ToolOutcome holds no result, error or callback_delivered");
  }
}

const PROGRESS_STATES: Partial<Record<ToolProgressState, ToolProgress["state"]>> = {
  [ToolProgressState.CLAIMED]: "claimed",
  [ToolProgressState.RUNNING]: "running",
};

/** Decodes a ToolProgress; throws {@link RunnerMessageError} for one that says nothing usable. */
export function decodeToolProgress(data: Uint8Array): ToolProgress {
  const message = fromBinary(ToolProgressSchema, data);
  requireIdentity(message);
  const state = PROGRESS_STATES[message.state];
  if (state === undefined) throw new RunnerMessageError("a ToolProgress holds no known state");
  return {
    threadId: message.threadId,
    toolCallId: message.toolCallId,
    attempt: message.attempt,
    runnerId: message.runnerId,
    state,
  };
}

/** For tests and runners written in TypeScript: a ToolOutcome's wire form. */
export function encodeToolOutcome(outcome: ToolOutcome): Uint8Array {
  const base = {
    threadId: outcome.threadId,
    toolCallId: outcome.toolCallId,
    attempt: outcome.attempt,
    runnerId: outcome.runnerId,
    duration: durationFromMs(outcome.durationMs),
  };
  switch (outcome.type) {
    case "result":
      return toBinary(
        ToolOutcomeSchema,
        create(ToolOutcomeSchema, {
          ...base,
          outcome: { case: "result", value: jsonToProtoValue(outcome.result) ?? {} },
        }),
      );
    case "error":
      return toBinary(
        ToolOutcomeSchema,
        create(ToolOutcomeSchema, {
          ...base,
          outcome: {
            case: "error",
            value: {
              message: outcome.error.message,
              name: outcome.error.name ?? "",
              code: outcome.error.code ?? "",
              status: outcome.error.status ?? 0,
              retryableHint: outcome.error.retryableHint,
              retryDelay:
                outcome.error.retryDelayMs === undefined
                  ? undefined
                  : durationFromMs(outcome.error.retryDelayMs),
            },
          },
        }),
      );
    case "callback_delivered":
      return toBinary(
        ToolOutcomeSchema,
        create(ToolOutcomeSchema, { ...base, outcome: { case: "callbackDelivered", value: {} } }),
      );
  }
}
