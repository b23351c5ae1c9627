// Messages a caller sends → what the engine stores.
import { protoToUIMessage } from "@durable-agents/core";
import { type Message, Role } from "@durable-agents/core/proto";
import type { EngineContext } from "../../engine/context.js";
import type { NewMessage } from "../../engine/messages.js";
import type { MessageRecord } from "../../store/records.js";
import { invalidArgument } from "../errors.js";
import {
  checkMetadataSize,
  checkPartCount,
  checkPromptLength,
  type RequestLimits,
} from "../request-limits.js";

/**
 * A caller's message: its role must be set (and be `user` where `requireUser`), it needs at least
 * one part, and an empty id is assigned by the server. Its part count, the text of its text
 * parts and its metadata are held to the request limits (X5).
 */
export function messageFromProto(
  context: EngineContext,
  proto: Message,
  field: string,
  options: { requireUser: boolean; limits: RequestLimits },
): NewMessage {
  const { limits } = options;
  if (proto.role === Role.UNSPECIFIED)
    throw invalidArgument([{ field: `${field}.role`, description: "is required" }]);
  if (options.requireUser && proto.role !== Role.USER) {
    throw invalidArgument([{ field: `${field}.role`, description: "must be ROLE_USER" }]);
  }
  if (proto.parts.length === 0)
    throw invalidArgument([{ field: `${field}.parts`, description: "must not be empty" }]);
  checkPartCount(proto.parts.length, `${field}.parts`, limits);
  for (const [index, { part }] of proto.parts.entries()) {
    if (part.case === "text") {
      checkPromptLength(part.value.text, `${field}.parts[${index}].text.text`, limits);
    }
  }
  const ui = protoToUIMessage(proto);
  checkMetadataSize(ui.metadata, `${field}.metadata`, limits);
  return {
    messageId: ui.id === "" ? context.newId() : ui.id,
    role: ui.role,
    parts: ui.parts,
    metadata: ui.metadata === undefined ? undefined : (ui.metadata as MessageRecord["metadata"]),
    usage: null,
    createdAt: context.now(),
  };
}
