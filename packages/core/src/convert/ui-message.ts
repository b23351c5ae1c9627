import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UIMessage } from "ai";
import { type Message, MessageSchema, type Usage } from "../gen/durable_agents/v1/message_pb.js";
import { ConversionError } from "./conversion-error.js";
import { requiredEnumFromProto, roleMapping } from "./enum-mappings.js";
import { extraFieldsOf, jsonToProtoValue, protoValueToJson } from "./json.js";
import { protoToUIPart, uiPartToProto } from "./ui-part.js";

/**
 * StoredMessageFields are the fields of a stored message that the AI SDK's `UIMessage` does not
 * have; the server knows them when it stores or lists a message.
 */
export interface StoredMessageFields {
  /** threadId is the thread the message belongs to. @default "" (not stored yet) */
  threadId?: string;
  /** committedSeq is the seq of the stream whose turn committed the message (B7). @default 0 */
  committedSeq?: number;
  /** createTime is when the message was first stored. Unset when omitted. */
  createTime?: Date;
  /** usage is the tokens spent producing the message (B24). Unset when omitted. */
  usage?: Usage;
}

/**
 * uiMessageToProto converts an AI SDK message, with the stored fields it lacks. Keys of the
 * message this schema does not model are kept in `extra_fields`.
 */
export function uiMessageToProto(message: UIMessage, stored: StoredMessageFields = {}): Message {
  const { id, role, metadata, parts, ...rest } = message;
  const protoRole = roleMapping.toProto(role);
  if (protoRole === undefined) {
    throw new ConversionError(`message ${id} has an unknown role ${JSON.stringify(role)}`);
  }
  return create(MessageSchema, {
    messageId: id,
    threadId: stored.threadId ?? "",
    role: protoRole,
    parts: parts.map(uiPartToProto),
    committedSeq: BigInt(stored.committedSeq ?? 0),
    usage: stored.usage,
    createTime: stored.createTime === undefined ? undefined : timestampFromDate(stored.createTime),
    metadata: jsonToProtoValue(metadata),
    extraFields: extraFieldsOf(rest),
  });
}

/**
 * protoToUIMessage gives the AI SDK message back. Stored-only fields (thread, seq, usage, time)
 * are not part of a `UIMessage` and are left out. Throws {@link ConversionError} for a message
 * whose role is unspecified or whose parts are malformed.
 */
export function protoToUIMessage(message: Message): UIMessage {
  const role = requiredEnumFromProto(
    roleMapping,
    message.role,
    `role of message ${message.messageId}`,
  );
  const rebuilt: UIMessage = {
    ...message.extraFields,
    id: message.messageId,
    role,
    parts: message.parts.map(protoToUIPart),
  };
  // Set only when present: a round trip must not add a `metadata: undefined` key.
  const metadata = protoValueToJson(message.metadata);
  if (metadata !== undefined) {
    rebuilt.metadata = metadata;
  }
  return rebuilt;
}
