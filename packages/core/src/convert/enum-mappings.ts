import type { FinishReason as SdkFinishReason, UIMessage } from "ai";
import {
  FinishReason,
  Role,
  TextPartState,
  ToolInputEncoding,
  ToolPartState,
} from "../gen/durable_agents/v1/message_pb.js";
import { ConversionError } from "./conversion-error.js";

/**
 * EnumMapping pairs the string literals of an AI SDK field with the values of a protobuf enum.
 * `toProto` returns `undefined` for a string it does not know (a newer AI SDK), so the caller can
 * keep the whole object losslessly instead of guessing.
 */
export interface EnumMapping<Sdk extends string, Proto extends number> {
  toProto(value: string): Proto | undefined;
  fromProto(value: Proto): Sdk | undefined;
}

function createEnumMapping<Sdk extends string, Proto extends number>(
  pairs: ReadonlyArray<readonly [Sdk, Proto]>,
): EnumMapping<Sdk, Proto> {
  const byString = new Map<string, Proto>(pairs);
  const byNumber = new Map<number, Sdk>(pairs.map(([sdk, proto]) => [proto, sdk]));
  return {
    toProto: (value) => byString.get(value),
    fromProto: (value) => byNumber.get(value),
  };
}

export const roleMapping = createEnumMapping<UIMessage["role"], Role>([
  ["system", Role.SYSTEM],
  ["user", Role.USER],
  ["assistant", Role.ASSISTANT],
]);

type TextState = "streaming" | "done";

export const textStateMapping = createEnumMapping<TextState, TextPartState>([
  ["streaming", TextPartState.STREAMING],
  ["done", TextPartState.DONE],
]);

type ToolState =
  | "input-streaming"
  | "input-available"
  | "approval-requested"
  | "approval-responded"
  | "output-available"
  | "output-error"
  | "output-denied";

export const toolStateMapping = createEnumMapping<ToolState, ToolPartState>([
  ["input-streaming", ToolPartState.INPUT_STREAMING],
  ["input-available", ToolPartState.INPUT_AVAILABLE],
  ["approval-requested", ToolPartState.APPROVAL_REQUESTED],
  ["approval-responded", ToolPartState.APPROVAL_RESPONDED],
  ["output-available", ToolPartState.OUTPUT_AVAILABLE],
  ["output-error", ToolPartState.OUTPUT_ERROR],
  ["output-denied", ToolPartState.OUTPUT_DENIED],
]);

export const inputEncodingMapping = createEnumMapping<"json" | "text", ToolInputEncoding>([
  ["json", ToolInputEncoding.JSON],
  ["text", ToolInputEncoding.TEXT],
]);

export const finishReasonMapping = createEnumMapping<SdkFinishReason, FinishReason>([
  ["stop", FinishReason.STOP],
  ["length", FinishReason.LENGTH],
  ["content-filter", FinishReason.CONTENT_FILTER],
  ["tool-calls", FinishReason.TOOL_CALLS],
  ["error", FinishReason.ERROR],
  ["other", FinishReason.OTHER],
]);

/**
 * optionalEnumToProto maps an optional AI SDK string to an enum whose `_UNSPECIFIED` value means
 * "absent". Returns `undefined` when the string is unknown, `0` (unspecified) when it is absent.
 */
export function optionalEnumToProto<Proto extends number>(
  mapping: EnumMapping<string, Proto>,
  value: string | undefined,
): Proto | 0 | undefined {
  return value === undefined ? 0 : mapping.toProto(value);
}

/**
 * optionalEnumFromProto reads an enum whose `_UNSPECIFIED` value means "absent". A value this
 * build does not know (sent by a newer peer) is an error rather than a silently dropped key.
 */
export function optionalEnumFromProto<Sdk extends string, Proto extends number>(
  mapping: EnumMapping<Sdk, Proto>,
  value: Proto,
  what: string,
): Sdk | undefined {
  return value === 0 ? undefined : requiredEnumFromProto(mapping, value, what);
}

/** requiredEnumFromProto reads an enum that must be set (`_UNSPECIFIED` is invalid). */
export function requiredEnumFromProto<Sdk extends string, Proto extends number>(
  mapping: EnumMapping<Sdk, Proto>,
  value: Proto,
  what: string,
): Sdk {
  const sdk = mapping.fromProto(value);
  if (sdk === undefined) {
    throw new ConversionError(`${what} is unspecified or unknown (${String(value)})`);
  }
  return sdk;
}
