// Protobuf enums ⇄ the client's lower-case string unions. The unions are the enum value names
// without their prefix, lower-cased (THREAD_STATUS_AWAITING_TOOL_RESULTS → "awaiting_tool_results"),
// so one rule covers every enum.
import {
  BusyPolicy as ProtoBusyPolicy,
  ErrorKind as ProtoErrorKind,
  StreamStatus as ProtoStreamStatus,
  StuckReason as ProtoStuckReason,
  ThreadStatus as ProtoThreadStatus,
  ToolCallStatus as ProtoToolCallStatus,
  ToolExecutionState as ProtoToolExecutionState,
  ToolKind as ProtoToolKind,
} from "@durable-agents/core/proto";
import type {
  BusyPolicy,
  ErrorKind,
  StreamStatus,
  StuckReason,
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "../types.js";

/** A generated protobuf-es enum object: names to numbers and numbers back to names. */
type ProtoEnum = Record<string, string | number>;

/**
 * The union member for a protobuf enum value. The cast is the one place a wire value is trusted
 * to be a known member: UNSPECIFIED (never sent) reads "unspecified", and a value only a newer
 * server knows reads "unknown_<number>" rather than failing the whole response.
 */
function nameOf<Name extends string>(protoEnum: ProtoEnum, value: number): Name {
  const name = protoEnum[value];
  return (typeof name === "string" ? name.toLowerCase() : `unknown_${value}`) as Name;
}

function numberOf(protoEnum: ProtoEnum, name: string): number {
  const value = protoEnum[name.toUpperCase()];
  if (typeof value !== "number") {
    throw new TypeError(`unknown enum value ${JSON.stringify(name)}`);
  }
  return value;
}

export const threadStatusFromProto = (value: ProtoThreadStatus) =>
  nameOf<ThreadStatus>(ProtoThreadStatus, value);
export const threadStatusToProto = (name: ThreadStatus): ProtoThreadStatus =>
  numberOf(ProtoThreadStatus, name);

export const errorKindFromProto = (value: ProtoErrorKind) =>
  nameOf<ErrorKind>(ProtoErrorKind, value);

export const busyPolicyToProto = (name: BusyPolicy): ProtoBusyPolicy =>
  numberOf(ProtoBusyPolicy, name);

export const toolKindFromProto = (value: ProtoToolKind): ToolKind =>
  // TOOL_KIND_UNSPECIFIED behaves as sync (tool_call.proto).
  value === ProtoToolKind.UNSPECIFIED ? "sync" : nameOf<ToolKind>(ProtoToolKind, value);
export const toolKindToProto = (name: ToolKind): ProtoToolKind => numberOf(ProtoToolKind, name);

export const toolCallStatusFromProto = (value: ProtoToolCallStatus) =>
  nameOf<ToolCallStatus>(ProtoToolCallStatus, value);
export const toolCallStatusToProto = (name: ToolCallStatus): ProtoToolCallStatus =>
  numberOf(ProtoToolCallStatus, name);

export const executionStateFromProto = (value: ProtoToolExecutionState) =>
  nameOf<ToolExecutionState>(ProtoToolExecutionState, value);

export const streamStatusFromProto = (value: ProtoStreamStatus) =>
  nameOf<StreamStatus>(ProtoStreamStatus, value);

export const stuckReasonFromProto = (value: ProtoStuckReason) =>
  nameOf<StuckReason>(ProtoStuckReason, value);
