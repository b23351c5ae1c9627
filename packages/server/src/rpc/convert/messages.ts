// Messages a caller sends → what the engine stores.
import { protoToUIMessage } from "@durable-agents/core";
import { type Message, Role } from "@durable-agents/core/proto";
import type { EngineContext } from "../../engine/context.js";
import type { NewMessage } from "../../engine/messages.js";
import type { MessageRecord } from "../../store/records.js";
import { invalidArgument } from "../errors.js";

/**
 * A caller's message: its role must be set (and be `user` where `requireUser`), it needs at least
 * one part, and an empty id is assigned by the server.
 */
export function messageFromProto(
  context: EngineContext,
  proto: Message,
  field: string,
  options: { requireUser: boolean },
): NewMessage {
  if (proto.role === Role.UNSPECIFIED)
    throw invalidArgument([{ field: `${field}.role`, description: "is required" }]);
  if (options.requireUser && proto.role !== Role.USER) {
    throw invalidArgument([{ field: `${field}.role`, description: "must be ROLE_USER" }]);
  }
  if (proto.parts.length === 0)
    throw invalidArgument([{ field: `${field}.parts`, description: "must not be empty" }]);
  const ui = protoToUIMessage(proto);
  return {
    messageId: ui.id === "" ? context.newId() : ui.id,
    role: ui.role,
    parts: ui.parts,
    metadata: ui.metadata === undefined ? undefined : (ui.metadata as MessageRecord["metadata"]),
    usage: null,
    createdAt: context.now(),
  };
}
