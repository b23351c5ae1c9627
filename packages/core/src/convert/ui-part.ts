import { create } from "@bufbuild/protobuf";
import type {
  DataUIPart,
  FileUIPart,
  ReasoningUIPart,
  SourceDocumentUIPart,
  SourceUrlUIPart,
  TextUIPart,
  UIDataTypes,
} from "ai";
import {
  DataPartSchema,
  FilePartSchema,
  type MessagePart,
  MessagePartSchema,
  ReasoningPartSchema,
  type SourceDocumentPart,
  SourceDocumentPartSchema,
  type SourceUrlPart,
  SourceUrlPartSchema,
  StepStartPartSchema,
  TextPartSchema,
} from "../gen/durable_agents/v1/message_pb.js";
import { ConversionError } from "./conversion-error.js";
import { optionalEnumFromProto, optionalEnumToProto, textStateMapping } from "./enum-mappings.js";
import {
  extraFieldsOf,
  jsonToProtoValue,
  optionalJsonObject,
  protoValueToJson,
  toJsonObject,
} from "./json.js";
import { isUIToolPart, protoToToolPart, toolPartToProto } from "./tool-part.js";
import {
  assertStringType,
  asUIObject,
  type Converted,
  DATA_TYPE_PREFIX,
  type UIPart,
} from "./ui-types.js";

type PartCase = MessagePart["part"];

/**
 * uiPartToProto converts one AI SDK message part. A part of a type this schema does not model, or
 * one holding an enum-like value it does not know, is kept whole in `other`; keys a typed case has
 * no field for are kept in `extra_fields`. Either way {@link protoToUIPart} gives back an equal part.
 */
export function uiPartToProto(part: UIPart): MessagePart {
  const converted = typedPartToProto(part);
  if (converted === undefined) {
    return create(MessagePartSchema, { part: { case: "other", value: toJsonObject(part) } });
  }
  return create(MessagePartSchema, {
    part: converted.proto,
    extraFields: extraFieldsOf(converted.rest),
  });
}

/**
 * protoToUIPart rebuilds the AI SDK part. Throws {@link ConversionError} for a part with no case
 * set or with a required enum unspecified, which only a faulty peer sends.
 */
export function protoToUIPart(proto: MessagePart): UIPart {
  const extra = proto.extraFields ?? {};
  const { part } = proto;
  switch (part.case) {
    case "text":
      return asUIObject<UIPart>({
        ...extra,
        type: "text",
        text: part.value.text,
        state: optionalEnumFromProto(textStateMapping, part.value.state, "text part state"),
        providerMetadata: part.value.providerMetadata,
      });
    case "reasoning":
      return asUIObject<UIPart>({
        ...extra,
        type: "reasoning",
        id: part.value.id,
        text: part.value.text,
        state: optionalEnumFromProto(textStateMapping, part.value.state, "reasoning part state"),
        providerMetadata: part.value.providerMetadata,
      });
    case "tool":
      return protoToToolPart(part.value, extra);
    case "stepStart":
      return asUIObject<UIPart>({ ...extra, type: "step-start" });
    case "sourceUrl":
      return asUIObject<UIPart>({ ...extra, ...protoToSourceUrl(part.value) });
    case "sourceDocument":
      return asUIObject<UIPart>({ ...extra, ...protoToSourceDocument(part.value) });
    case "file":
      return asUIObject<UIPart>({
        ...extra,
        type: "file",
        mediaType: part.value.mediaType,
        filename: part.value.filename,
        url: part.value.url,
        providerMetadata: part.value.providerMetadata,
      });
    case "data":
      return asUIObject<UIPart>({
        ...extra,
        type: `${DATA_TYPE_PREFIX}${part.value.name}`,
        id: part.value.id,
        data: protoValueToJson(part.value.data),
      });
    case "other":
      return asUIObject<UIPart>(part.value);
    case undefined:
      throw new ConversionError("message part has no content (no `part` case is set)");
  }
}

function typedPartToProto(part: UIPart): Converted<PartCase> | undefined {
  switch (part.type) {
    case "text":
      return textToProto(part);
    case "reasoning":
      return reasoningToProto(part);
    case "step-start": {
      const { type: _type, ...rest } = part;
      return { proto: { case: "stepStart", value: create(StepStartPartSchema) }, rest };
    }
    case "source-url": {
      const { proto, rest } = sourceUrlToProto(part);
      return { proto: { case: "sourceUrl", value: proto }, rest };
    }
    case "source-document": {
      const { proto, rest } = sourceDocumentToProto(part);
      return { proto: { case: "sourceDocument", value: proto }, rest };
    }
    case "file":
      return fileToProto(part);
  }
  // Tool and data parts are told apart by a type prefix; anything left is a part type this build
  // does not know, and the caller keeps it whole.
  assertStringType(part);
  if (isUIToolPart(part)) {
    const converted = toolPartToProto(part);
    return converted && { proto: { case: "tool", value: converted.proto }, rest: converted.rest };
  }
  if (isUIDataPart(part)) {
    return dataToProto(part);
  }
  return undefined;
}

function isUIDataPart(part: { type: string }): part is DataUIPart<UIDataTypes> {
  return part.type.startsWith(DATA_TYPE_PREFIX);
}

function textToProto(part: TextUIPart): Converted<PartCase> | undefined {
  const { type: _type, text, state, providerMetadata, ...rest } = part;
  const protoState = optionalEnumToProto(textStateMapping, state);
  if (protoState === undefined) {
    return undefined;
  }
  const value = create(TextPartSchema, {
    text,
    state: protoState,
    providerMetadata: optionalJsonObject(providerMetadata),
  });
  return { proto: { case: "text", value }, rest };
}

function reasoningToProto(part: ReasoningUIPart): Converted<PartCase> | undefined {
  const { type: _type, id, text, state, providerMetadata, ...rest } = part;
  const protoState = optionalEnumToProto(textStateMapping, state);
  if (protoState === undefined) {
    return undefined;
  }
  const value = create(ReasoningPartSchema, {
    id,
    text,
    state: protoState,
    providerMetadata: optionalJsonObject(providerMetadata),
  });
  return { proto: { case: "reasoning", value }, rest };
}

function fileToProto(part: FileUIPart): Converted<PartCase> {
  const { type: _type, mediaType, filename, url, providerMetadata, ...rest } = part;
  const value = create(FilePartSchema, {
    mediaType,
    filename,
    url,
    providerMetadata: optionalJsonObject(providerMetadata),
  });
  return { proto: { case: "file", value }, rest };
}

function dataToProto(part: DataUIPart<UIDataTypes>): Converted<PartCase> {
  const { type, id, data, ...rest } = part;
  const value = create(DataPartSchema, {
    name: type.slice(DATA_TYPE_PREFIX.length),
    id,
    data: jsonToProtoValue(data),
  });
  return { proto: { case: "data", value }, rest };
}

/** sourceUrlToProto is shared with the `source-url` chunk, which has the same fields. */
export function sourceUrlToProto(source: SourceUrlUIPart): Converted<SourceUrlPart> {
  const { type: _type, sourceId, url, title, providerMetadata, ...rest } = source;
  const proto = create(SourceUrlPartSchema, {
    sourceId,
    url,
    title,
    providerMetadata: optionalJsonObject(providerMetadata),
  });
  return { proto, rest };
}

/** protoToSourceUrl is shared with the `source-url` chunk; unset fields are still listed. */
export function protoToSourceUrl(proto: SourceUrlPart): Record<string, unknown> {
  return {
    type: "source-url",
    sourceId: proto.sourceId,
    url: proto.url,
    title: proto.title,
    providerMetadata: proto.providerMetadata,
  };
}

/** sourceDocumentToProto is shared with the `source-document` chunk, which has the same fields. */
export function sourceDocumentToProto(source: SourceDocumentUIPart): Converted<SourceDocumentPart> {
  const { type: _type, sourceId, mediaType, title, filename, providerMetadata, ...rest } = source;
  const proto = create(SourceDocumentPartSchema, {
    sourceId,
    mediaType,
    title,
    filename,
    providerMetadata: optionalJsonObject(providerMetadata),
  });
  return { proto, rest };
}

/** protoToSourceDocument is shared with the `source-document` chunk; unset fields still listed. */
export function protoToSourceDocument(proto: SourceDocumentPart): Record<string, unknown> {
  return {
    type: "source-document",
    sourceId: proto.sourceId,
    mediaType: proto.mediaType,
    title: proto.title,
    filename: proto.filename,
    providerMetadata: proto.providerMetadata,
  };
}
