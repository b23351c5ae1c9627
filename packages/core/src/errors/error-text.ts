import { readProperty } from "./read-property.js";

/** Text stored and shown when a thrown value carries no message of its own. */
export const UNKNOWN_ERROR_TEXT = "Unknown error";

/**
 * The human-readable text of any thrown value: the message of an Error (or of an object with a
 * string `message`), a thrown string as is, other primitives converted to text. Used for the
 * error text of failed tool calls (B15) and the message of a turn-error classification (B22).
 */
export function errorTextOf(error: unknown): string {
  if (typeof error === "string") {
    return error === "" ? UNKNOWN_ERROR_TEXT : error;
  }
  if (typeof error === "number" || typeof error === "boolean" || typeof error === "bigint") {
    return String(error);
  }
  const message = readProperty(error, "message");
  if (typeof message === "string" && message !== "") {
    return message;
  }
  const name = readProperty(error, "name");
  return typeof name === "string" && name !== "" ? name : UNKNOWN_ERROR_TEXT;
}
