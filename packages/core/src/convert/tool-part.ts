import { create } from "@bufbuild/protobuf";
import type { DynamicToolUIPart, JSONValue, ProviderMetadata, ToolUIPart, UITools } from "ai";
import {
  type ToolApproval,
  ToolApprovalSchema,
  type ToolPart,
  ToolPartSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import {
  inputEncodingMapping,
  optionalEnumFromProto,
  optionalEnumToProto,
  requiredEnumFromProto,
  toolStateMapping,
} from "./enum-mappings.js";
import {
  extraFieldsOf,
  jsonToProtoValue,
  omitUndefined,
  optionalJsonObject,
  protoValueToJson,
} from "./json.js";
import { asUIObject, type Converted, type UIPart } from "./ui-types.js";

/** UIToolPart is an AI SDK tool call part: `tool-<name>` or `dynamic-tool`. */
export type UIToolPart = ToolUIPart<UITools> | DynamicToolUIPart;

const STATIC_TOOL_PREFIX = "tool-";
const DYNAMIC_TOOL_TYPE = "dynamic-tool";

/** isUIToolPart tells tool call parts (static or dynamic) from the other part types. */
export function isUIToolPart(part: { type: string }): part is UIToolPart {
  return part.type === DYNAMIC_TOOL_TYPE || part.type.startsWith(STATIC_TOOL_PREFIX);
}

/**
 * FlatToolPart is every key any state of a tool part may carry. The AI SDK types each state
 * separately; reading through one flat view converts all states with one code path.
 */
interface FlatToolPart {
  type: string;
  toolCallId: string;
  toolName?: string;
  dynamic?: boolean;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  title?: string;
  toolMetadata?: Record<string, JSONValue | undefined>;
  providerExecuted?: boolean;
  rawInput?: unknown;
  inputEncoding?: string;
  approval?: FlatApproval;
  preliminary?: boolean;
  callProviderMetadata?: ProviderMetadata;
  resultProviderMetadata?: ProviderMetadata;
}

interface FlatApproval {
  id: string;
  approved?: boolean;
  descriptor?: unknown;
  reason?: string;
  signature?: string;
  inputSchemaInput?: unknown;
}

/**
 * toolPartToProto converts a tool call part in any state. Returns `undefined` when the part does
 * not fit the model (an unknown state or input encoding, unknown approval keys, or `dynamic` other
 * than `false` on a dynamic part), so the caller keeps it whole in `other`.
 */
export function toolPartToProto(part: UIToolPart): Converted<ToolPart> | undefined {
  const flat: FlatToolPart = part;
  const {
    type,
    toolCallId,
    toolName,
    dynamic,
    state,
    input,
    output,
    errorText,
    title,
    toolMetadata,
    providerExecuted,
    rawInput,
    inputEncoding,
    approval,
    preliminary,
    callProviderMetadata,
    resultProviderMetadata,
    ...rest
  } = flat;
  const protoState = toolStateMapping.toProto(state);
  const protoEncoding = optionalEnumToProto(inputEncodingMapping, inputEncoding);
  const protoApproval = approval === undefined ? undefined : approvalToProto(approval);
  if (protoState === undefined || protoEncoding === undefined || protoApproval === null) {
    return undefined;
  }
  const isDynamic = type === DYNAMIC_TOOL_TYPE;
  // `dynamic: false` is the only value the AI SDK puts on a dynamic part (a static part that was
  // normalised to dynamic); anything else would not come back, so the part goes to `other`.
  if (isDynamic && dynamic !== undefined && dynamic !== false) {
    return undefined;
  }
  const proto = create(ToolPartSchema, {
    toolCallId,
    toolName: isDynamic ? (toolName ?? "") : type.slice(STATIC_TOOL_PREFIX.length),
    state: protoState,
    input: jsonToProtoValue(input),
    output: jsonToProtoValue(output),
    errorText,
    dynamic: isDynamic,
    normalizedFromStatic: isDynamic && dynamic === false,
    title,
    toolMetadata: optionalJsonObject(toolMetadata),
    providerExecuted,
    rawInput: jsonToProtoValue(rawInput),
    inputEncoding: protoEncoding,
    approval: protoApproval,
    preliminary,
    callProviderMetadata: optionalJsonObject(callProviderMetadata),
    resultProviderMetadata: optionalJsonObject(resultProviderMetadata),
  });
  // A static part has no `toolName`/`dynamic` keys of its own; should one appear, keep it as extra.
  return { proto, rest: isDynamic ? rest : { ...rest, toolName, dynamic } };
}

/** protoToToolPart rebuilds the AI SDK tool part; `extra` are its unmodelled keys. */
export function protoToToolPart(proto: ToolPart, extra: object): UIPart {
  const state = requiredEnumFromProto(
    toolStateMapping,
    proto.state,
    `state of tool part ${proto.toolCallId}`,
  );
  const identity = proto.dynamic
    ? {
        type: DYNAMIC_TOOL_TYPE,
        toolName: proto.toolName,
        dynamic: proto.normalizedFromStatic ? false : undefined,
      }
    : { type: `${STATIC_TOOL_PREFIX}${proto.toolName}` };
  return asUIObject<UIPart>({
    ...extra,
    ...identity,
    toolCallId: proto.toolCallId,
    state,
    input: protoValueToJson(proto.input),
    output: protoValueToJson(proto.output),
    errorText: proto.errorText,
    title: proto.title,
    toolMetadata: proto.toolMetadata,
    providerExecuted: proto.providerExecuted,
    rawInput: protoValueToJson(proto.rawInput),
    inputEncoding: optionalEnumFromProto(
      inputEncodingMapping,
      proto.inputEncoding,
      `input encoding of tool part ${proto.toolCallId}`,
    ),
    approval: proto.approval === undefined ? undefined : approvalFromProto(proto.approval),
    preliminary: proto.preliminary,
    callProviderMetadata: proto.callProviderMetadata,
    resultProviderMetadata: proto.resultProviderMetadata,
  });
}

/** Returns `null` when the approval has keys the model lacks, so the part goes to `other`. */
function approvalToProto(approval: FlatApproval): ToolApproval | null {
  const { id, approved, descriptor, reason, signature, inputSchemaInput, ...rest } = approval;
  if (extraFieldsOf(rest) !== undefined) {
    return null;
  }
  return create(ToolApprovalSchema, {
    id,
    approved,
    approvalDescriptor: jsonToProtoValue(descriptor),
    reason,
    signature,
    inputSchemaInput: jsonToProtoValue(inputSchemaInput),
  });
}

function approvalFromProto(approval: ToolApproval): object {
  return omitUndefined({
    id: approval.id,
    approved: approval.approved,
    descriptor: protoValueToJson(approval.approvalDescriptor),
    reason: approval.reason,
    signature: approval.signature,
    inputSchemaInput: protoValueToJson(approval.inputSchemaInput),
  });
}
