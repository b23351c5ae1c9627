import type { UIDataTypes, UIMessageChunk, UIMessagePart, UITools } from "ai";
import { ConversionError } from "./conversion-error.js";
import { omitUndefined } from "./json.js";

/** UIPart is any AI SDK message part, with data and tool types left open. */
export type UIPart = UIMessagePart<UIDataTypes, UITools>;

/** UIChunk is any AI SDK UI message stream chunk, with metadata and data types left open. */
export type UIChunk = UIMessageChunk<unknown, UIDataTypes>;

/** DATA_TYPE_PREFIX starts the type of every data part and chunk: `data-<name>`. */
export const DATA_TYPE_PREFIX = "data-";

/**
 * Converted is a typed protobuf case plus the keys of the AI SDK object it has no field for
 * (kept as `extra_fields`).
 */
export interface Converted<Case> {
  readonly proto: Case;
  readonly rest: object;
}

/**
 * asUIObject finishes an AI SDK object rebuilt from protobuf: unset fields are dropped and the
 * `type` is checked. It is the one place the rebuilt record is asserted to be the AI SDK type: the
 * AI SDK's per-state unions (tool parts) cannot be produced field by field otherwise, and the
 * round-trip tests hold every case to the exact AI SDK shape.
 */
export function asUIObject<T extends { type: string }>(record: Record<string, unknown>): T {
  const result = omitUndefined(record);
  assertStringType(result);
  return result as T;
}

/**
 * assertStringType checks an AI SDK object's `type` at run time: objects may come from JSON, and
 * every part and chunk is told apart by it.
 */
export function assertStringType(value: object): asserts value is { type: string } {
  if (!("type" in value) || typeof value.type !== "string") {
    throw new ConversionError("an AI SDK part or chunk needs a string `type`");
  }
}
