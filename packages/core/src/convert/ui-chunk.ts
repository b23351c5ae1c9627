import { create } from "@bufbuild/protobuf";
import {
  AbortChunkSchema,
  DataChunkSchema,
  ErrorChunkSchema,
  FileChunkSchema,
  FinishChunkSchema,
  FinishStepChunkSchema,
  MessageMetadataChunkSchema,
  ReasoningDeltaChunkSchema,
  ReasoningEndChunkSchema,
  ReasoningStartChunkSchema,
  StartChunkSchema,
  StartStepChunkSchema,
  TextDeltaChunkSchema,
  TextEndChunkSchema,
  TextStartChunkSchema,
  type UIMessageChunk,
  UIMessageChunkSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import { ConversionError } from "./conversion-error.js";
import {
  finishReasonMapping,
  optionalEnumFromProto,
  optionalEnumToProto,
} from "./enum-mappings.js";
import {
  extraFieldsOf,
  jsonToProtoValue,
  optionalJsonObject,
  protoValueToJson,
  toJsonObject,
} from "./json.js";
import { protoToToolChunk, toolChunkToProto } from "./tool-chunk.js";
import {
  protoToSourceDocument,
  protoToSourceUrl,
  sourceDocumentToProto,
  sourceUrlToProto,
} from "./ui-part.js";
import {
  assertStringType,
  asUIObject,
  type Converted,
  DATA_TYPE_PREFIX,
  type UIChunk,
} from "./ui-types.js";

type ChunkCase = UIMessageChunk["chunk"];

/**
 * uiChunkToProto converts one AI SDK UI message stream chunk. A chunk of a type this schema does
 * not model, or one holding an enum-like value it does not know, is kept whole in `other`; keys a
 * typed case has no field for are kept in `extra_fields`. Either way {@link protoToUIChunk} gives
 * back an equal chunk.
 */
export function uiChunkToProto(chunk: UIChunk): UIMessageChunk {
  const converted = typedChunkToProto(chunk);
  if (converted === undefined) {
    return create(UIMessageChunkSchema, { chunk: { case: "other", value: toJsonObject(chunk) } });
  }
  return create(UIMessageChunkSchema, {
    chunk: converted.proto,
    extraFields: extraFieldsOf(converted.rest),
  });
}

/**
 * protoToUIChunk rebuilds the AI SDK chunk. Throws {@link ConversionError} for a chunk with no case
 * set, which only a faulty peer sends.
 */
export function protoToUIChunk(proto: UIMessageChunk): UIChunk {
  const extra = proto.extraFields ?? {};
  const { chunk } = proto;
  switch (chunk.case) {
    case "textStart":
      return boundaryChunk("text-start", chunk.value, extra);
    case "textDelta":
      return deltaChunk("text-delta", chunk.value, extra);
    case "textEnd":
      return boundaryChunk("text-end", chunk.value, extra);
    case "reasoningStart":
      return boundaryChunk("reasoning-start", chunk.value, extra);
    case "reasoningDelta":
      return deltaChunk("reasoning-delta", chunk.value, extra);
    case "reasoningEnd":
      return boundaryChunk("reasoning-end", chunk.value, extra);
    case "error":
      return asUIObject<UIChunk>({ ...extra, type: "error", errorText: chunk.value.errorText });
    case "toolInputStart":
    case "toolInputDelta":
    case "toolInputAvailable":
    case "toolInputError":
    case "toolApprovalRequest":
    case "toolOutputAvailable":
    case "toolOutputError":
    case "toolOutputDenied":
      return protoToToolChunk(chunk, extra);
    case "sourceUrl":
      return asUIObject<UIChunk>({ ...extra, ...protoToSourceUrl(chunk.value) });
    case "sourceDocument":
      return asUIObject<UIChunk>({ ...extra, ...protoToSourceDocument(chunk.value) });
    case "file":
      return asUIObject<UIChunk>({
        ...extra,
        type: "file",
        url: chunk.value.url,
        mediaType: chunk.value.mediaType,
        providerMetadata: chunk.value.providerMetadata,
      });
    case "data":
      return asUIObject<UIChunk>({
        ...extra,
        type: `${DATA_TYPE_PREFIX}${chunk.value.name}`,
        id: chunk.value.id,
        data: protoValueToJson(chunk.value.data),
        transient: chunk.value.transient,
      });
    case "startStep":
      return asUIObject<UIChunk>({ ...extra, type: "start-step" });
    case "finishStep":
      return asUIObject<UIChunk>({ ...extra, type: "finish-step" });
    case "start":
      return asUIObject<UIChunk>({
        ...extra,
        type: "start",
        messageId: chunk.value.messageId,
        messageMetadata: protoValueToJson(chunk.value.messageMetadata),
      });
    case "finish":
      return asUIObject<UIChunk>({
        ...extra,
        type: "finish",
        finishReason: optionalEnumFromProto(
          finishReasonMapping,
          chunk.value.finishReason,
          "finish reason",
        ),
        messageMetadata: protoValueToJson(chunk.value.messageMetadata),
      });
    case "abort":
      return asUIObject<UIChunk>({ ...extra, type: "abort", reason: chunk.value.reason });
    case "messageMetadata":
      return asUIObject<UIChunk>({
        ...extra,
        type: "message-metadata",
        messageMetadata: protoValueToJson(chunk.value.messageMetadata),
      });
    case "other":
      return asUIObject<UIChunk>(chunk.value);
    case undefined:
      throw new ConversionError("stream chunk has no content (no `chunk` case is set)");
  }
}

function typedChunkToProto(chunk: UIChunk): Converted<ChunkCase> | undefined {
  switch (chunk.type) {
    case "text-start": {
      const { type: _type, id, providerMetadata, ...rest } = chunk;
      const value = create(TextStartChunkSchema, {
        id,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "textStart", value }, rest };
    }
    case "text-delta": {
      const { type: _type, id, delta, providerMetadata, ...rest } = chunk;
      const value = create(TextDeltaChunkSchema, {
        id,
        delta,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "textDelta", value }, rest };
    }
    case "text-end": {
      const { type: _type, id, providerMetadata, ...rest } = chunk;
      const value = create(TextEndChunkSchema, {
        id,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "textEnd", value }, rest };
    }
    case "reasoning-start": {
      const { type: _type, id, providerMetadata, ...rest } = chunk;
      const value = create(ReasoningStartChunkSchema, {
        id,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "reasoningStart", value }, rest };
    }
    case "reasoning-delta": {
      const { type: _type, id, delta, providerMetadata, ...rest } = chunk;
      const value = create(ReasoningDeltaChunkSchema, {
        id,
        delta,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "reasoningDelta", value }, rest };
    }
    case "reasoning-end": {
      const { type: _type, id, providerMetadata, ...rest } = chunk;
      const value = create(ReasoningEndChunkSchema, {
        id,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "reasoningEnd", value }, rest };
    }
    case "error": {
      const { type: _type, errorText, ...rest } = chunk;
      return { proto: { case: "error", value: create(ErrorChunkSchema, { errorText }) }, rest };
    }
    case "tool-input-start":
    case "tool-input-delta":
    case "tool-input-available":
    case "tool-input-error":
    case "tool-approval-request":
    case "tool-output-available":
    case "tool-output-error":
    case "tool-output-denied":
      return toolChunkToProto(chunk);
    case "source-url": {
      const { proto, rest } = sourceUrlToProto(chunk);
      return { proto: { case: "sourceUrl", value: proto }, rest };
    }
    case "source-document": {
      const { proto, rest } = sourceDocumentToProto(chunk);
      return { proto: { case: "sourceDocument", value: proto }, rest };
    }
    case "file": {
      const { type: _type, url, mediaType, providerMetadata, ...rest } = chunk;
      const value = create(FileChunkSchema, {
        url,
        mediaType,
        providerMetadata: optionalJsonObject(providerMetadata),
      });
      return { proto: { case: "file", value }, rest };
    }
    case "start-step": {
      const { type: _type, ...rest } = chunk;
      return { proto: { case: "startStep", value: create(StartStepChunkSchema) }, rest };
    }
    case "finish-step": {
      const { type: _type, ...rest } = chunk;
      return { proto: { case: "finishStep", value: create(FinishStepChunkSchema) }, rest };
    }
    case "start": {
      const { type: _type, messageId, messageMetadata, ...rest } = chunk;
      const value = create(StartChunkSchema, {
        messageId,
        messageMetadata: jsonToProtoValue(messageMetadata),
      });
      return { proto: { case: "start", value }, rest };
    }
    case "finish": {
      const { type: _type, finishReason, messageMetadata, ...rest } = chunk;
      const reason = optionalEnumToProto(finishReasonMapping, finishReason);
      if (reason === undefined) {
        return undefined;
      }
      const value = create(FinishChunkSchema, {
        finishReason: reason,
        messageMetadata: jsonToProtoValue(messageMetadata),
      });
      return { proto: { case: "finish", value }, rest };
    }
    case "abort": {
      const { type: _type, reason, ...rest } = chunk;
      return { proto: { case: "abort", value: create(AbortChunkSchema, { reason }) }, rest };
    }
    case "message-metadata": {
      const { type: _type, messageMetadata, ...rest } = chunk;
      const value = create(MessageMetadataChunkSchema, {
        messageMetadata: jsonToProtoValue(messageMetadata),
      });
      return { proto: { case: "messageMetadata", value }, rest };
    }
  }
  // Data chunks are told apart by a type prefix; anything left is a chunk type this build does not
  // know, and the caller keeps it whole.
  assertStringType(chunk);
  if (!chunk.type.startsWith(DATA_TYPE_PREFIX)) {
    return undefined;
  }
  const { type, id, data, transient, ...rest } = chunk;
  const value = create(DataChunkSchema, {
    name: type.slice(DATA_TYPE_PREFIX.length),
    id,
    data: jsonToProtoValue(data),
    transient,
  });
  return { proto: { case: "data", value }, rest };
}

interface BoundaryFields {
  id: string;
  providerMetadata?: object | undefined;
}

/** boundaryChunk rebuilds a text or reasoning start/end chunk: an id and provider metadata. */
function boundaryChunk(type: string, fields: BoundaryFields, extra: object): UIChunk {
  return asUIObject<UIChunk>({
    ...extra,
    type,
    id: fields.id,
    providerMetadata: fields.providerMetadata,
  });
}

/** deltaChunk rebuilds a text or reasoning delta chunk. */
function deltaChunk(
  type: string,
  fields: BoundaryFields & { delta: string },
  extra: object,
): UIChunk {
  return asUIObject<UIChunk>({
    ...extra,
    type,
    id: fields.id,
    delta: fields.delta,
    providerMetadata: fields.providerMetadata,
  });
}
