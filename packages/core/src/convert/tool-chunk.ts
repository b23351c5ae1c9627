import { create } from "@bufbuild/protobuf";
import {
  ToolApprovalRequestChunkSchema,
  ToolInputAvailableChunkSchema,
  ToolInputDeltaChunkSchema,
  ToolInputErrorChunkSchema,
  ToolInputStartChunkSchema,
  ToolOutputAvailableChunkSchema,
  ToolOutputDeniedChunkSchema,
  ToolOutputErrorChunkSchema,
  type UIMessageChunk,
} from "../gen/durable_agents/v1/message_pb.js";
import {
  inputEncodingMapping,
  optionalEnumFromProto,
  optionalEnumToProto,
} from "./enum-mappings.js";
import { jsonToProtoValue, optionalJsonObject, protoValueToJson } from "./json.js";
import { asUIObject, type Converted, type UIChunk } from "./ui-types.js";

type ChunkCase = UIMessageChunk["chunk"];

/** UIToolChunk is an AI SDK chunk about a tool call. */
export type UIToolChunk = Extract<
  UIChunk,
  {
    type:
      | "tool-input-start"
      | "tool-input-delta"
      | "tool-input-available"
      | "tool-input-error"
      | "tool-approval-request"
      | "tool-output-available"
      | "tool-output-error"
      | "tool-output-denied";
  }
>;

/** ToolChunkCase is the protobuf case of a tool call chunk. */
export type ToolChunkCase = Extract<
  ChunkCase,
  {
    case:
      | "toolInputStart"
      | "toolInputDelta"
      | "toolInputAvailable"
      | "toolInputError"
      | "toolApprovalRequest"
      | "toolOutputAvailable"
      | "toolOutputError"
      | "toolOutputDenied";
  }
>;

/**
 * toolChunkToProto converts a tool call chunk. Returns `undefined` for a `tool-input-start` whose
 * input encoding this build does not know, so the caller keeps the chunk whole in `other`.
 */
export function toolChunkToProto(chunk: UIToolChunk): Converted<ChunkCase> | undefined {
  switch (chunk.type) {
    case "tool-input-start": {
      const {
        type: _type,
        inputEncoding,
        providerMetadata,
        toolMetadata,
        toolCallId,
        toolName,
        providerExecuted,
        dynamic,
        title,
        ...rest
      } = chunk;
      const encoding = optionalEnumToProto(inputEncodingMapping, inputEncoding);
      if (encoding === undefined) {
        return undefined;
      }
      const value = create(ToolInputStartChunkSchema, {
        toolCallId,
        toolName,
        inputEncoding: encoding,
        providerExecuted,
        providerMetadata: optionalJsonObject(providerMetadata),
        toolMetadata: optionalJsonObject(toolMetadata),
        dynamic,
        title,
      });
      return { proto: { case: "toolInputStart", value }, rest };
    }
    case "tool-input-delta": {
      const { type: _type, toolCallId, inputTextDelta, ...rest } = chunk;
      const value = create(ToolInputDeltaChunkSchema, { toolCallId, inputTextDelta });
      return { proto: { case: "toolInputDelta", value }, rest };
    }
    case "tool-input-available": {
      const {
        type: _type,
        input,
        providerMetadata,
        toolMetadata,
        toolCallId,
        toolName,
        providerExecuted,
        dynamic,
        title,
        ...rest
      } = chunk;
      const value = create(ToolInputAvailableChunkSchema, {
        toolCallId,
        toolName,
        input: jsonToProtoValue(input),
        providerExecuted,
        providerMetadata: optionalJsonObject(providerMetadata),
        toolMetadata: optionalJsonObject(toolMetadata),
        dynamic,
        title,
      });
      return { proto: { case: "toolInputAvailable", value }, rest };
    }
    case "tool-input-error": {
      const {
        type: _type,
        input,
        providerMetadata,
        toolMetadata,
        errorText,
        toolCallId,
        toolName,
        providerExecuted,
        dynamic,
        title,
        ...rest
      } = chunk;
      const value = create(ToolInputErrorChunkSchema, {
        toolCallId,
        toolName,
        input: jsonToProtoValue(input),
        providerExecuted,
        providerMetadata: optionalJsonObject(providerMetadata),
        toolMetadata: optionalJsonObject(toolMetadata),
        dynamic,
        errorText,
        title,
      });
      return { proto: { case: "toolInputError", value }, rest };
    }
    case "tool-approval-request": {
      const {
        type: _type,
        approvalId,
        toolCallId,
        approvalDescriptor,
        inputSchemaInput,
        signature,
        ...rest
      } = chunk;
      const value = create(ToolApprovalRequestChunkSchema, {
        approvalId,
        toolCallId,
        approvalDescriptor: jsonToProtoValue(approvalDescriptor),
        inputSchemaInput: jsonToProtoValue(inputSchemaInput),
        signature,
      });
      return { proto: { case: "toolApprovalRequest", value }, rest };
    }
    case "tool-output-available": {
      const {
        type: _type,
        output,
        providerMetadata,
        toolMetadata,
        toolCallId,
        providerExecuted,
        dynamic,
        preliminary,
        ...rest
      } = chunk;
      const value = create(ToolOutputAvailableChunkSchema, {
        toolCallId,
        output: jsonToProtoValue(output),
        providerExecuted,
        providerMetadata: optionalJsonObject(providerMetadata),
        toolMetadata: optionalJsonObject(toolMetadata),
        dynamic,
        preliminary,
      });
      return { proto: { case: "toolOutputAvailable", value }, rest };
    }
    case "tool-output-error": {
      const {
        type: _type,
        errorText,
        providerMetadata,
        toolMetadata,
        toolCallId,
        providerExecuted,
        dynamic,
        ...rest
      } = chunk;
      const value = create(ToolOutputErrorChunkSchema, {
        toolCallId,
        errorText,
        providerExecuted,
        providerMetadata: optionalJsonObject(providerMetadata),
        toolMetadata: optionalJsonObject(toolMetadata),
        dynamic,
      });
      return { proto: { case: "toolOutputError", value }, rest };
    }
    case "tool-output-denied": {
      const { type: _type, toolCallId, ...rest } = chunk;
      const value = create(ToolOutputDeniedChunkSchema, { toolCallId });
      return { proto: { case: "toolOutputDenied", value }, rest };
    }
  }
}

/** protoToToolChunk rebuilds the AI SDK tool call chunk; `extra` are its unmodelled keys. */
export function protoToToolChunk(chunk: ToolChunkCase, extra: object): UIChunk {
  switch (chunk.case) {
    case "toolInputStart":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-input-start",
        toolCallId: chunk.value.toolCallId,
        toolName: chunk.value.toolName,
        inputEncoding: optionalEnumFromProto(
          inputEncodingMapping,
          chunk.value.inputEncoding,
          `input encoding of tool call ${chunk.value.toolCallId}`,
        ),
        providerExecuted: chunk.value.providerExecuted,
        providerMetadata: chunk.value.providerMetadata,
        toolMetadata: chunk.value.toolMetadata,
        dynamic: chunk.value.dynamic,
        title: chunk.value.title,
      });
    case "toolInputDelta":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-input-delta",
        toolCallId: chunk.value.toolCallId,
        inputTextDelta: chunk.value.inputTextDelta,
      });
    case "toolInputAvailable":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-input-available",
        toolCallId: chunk.value.toolCallId,
        toolName: chunk.value.toolName,
        input: protoValueToJson(chunk.value.input),
        providerExecuted: chunk.value.providerExecuted,
        providerMetadata: chunk.value.providerMetadata,
        toolMetadata: chunk.value.toolMetadata,
        dynamic: chunk.value.dynamic,
        title: chunk.value.title,
      });
    case "toolInputError":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-input-error",
        toolCallId: chunk.value.toolCallId,
        toolName: chunk.value.toolName,
        input: protoValueToJson(chunk.value.input),
        providerExecuted: chunk.value.providerExecuted,
        providerMetadata: chunk.value.providerMetadata,
        toolMetadata: chunk.value.toolMetadata,
        dynamic: chunk.value.dynamic,
        errorText: chunk.value.errorText,
        title: chunk.value.title,
      });
    case "toolApprovalRequest":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-approval-request",
        approvalId: chunk.value.approvalId,
        toolCallId: chunk.value.toolCallId,
        approvalDescriptor: protoValueToJson(chunk.value.approvalDescriptor),
        inputSchemaInput: protoValueToJson(chunk.value.inputSchemaInput),
        signature: chunk.value.signature,
      });
    case "toolOutputAvailable":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-output-available",
        toolCallId: chunk.value.toolCallId,
        output: protoValueToJson(chunk.value.output),
        providerExecuted: chunk.value.providerExecuted,
        providerMetadata: chunk.value.providerMetadata,
        toolMetadata: chunk.value.toolMetadata,
        dynamic: chunk.value.dynamic,
        preliminary: chunk.value.preliminary,
      });
    case "toolOutputError":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-output-error",
        toolCallId: chunk.value.toolCallId,
        errorText: chunk.value.errorText,
        providerExecuted: chunk.value.providerExecuted,
        providerMetadata: chunk.value.providerMetadata,
        toolMetadata: chunk.value.toolMetadata,
        dynamic: chunk.value.dynamic,
      });
    case "toolOutputDenied":
      return asUIObject<UIChunk>({
        ...extra,
        type: "tool-output-denied",
        toolCallId: chunk.value.toolCallId,
      });
  }
}
