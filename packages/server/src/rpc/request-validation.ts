// Checks of request fields that the protobuf types cannot express; violations become
// INVALID_ARGUMENT with google.rpc.BadRequest (DESIGN §3).
import { invalidArgument } from "./errors.js";

export function requireId(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "is required" }]);
  return value;
}

export function requireText(value: string, field: string): string {
  if (value.trim() === "") throw invalidArgument([{ field, description: "must not be empty" }]);
  return value;
}
