// The one place where JSON and boolean values meet their stored form (database.ts).
import type { BooleanColumn, JsonText } from "./database.js";

/** Serialises a JSON value of a record. */
export function encodeJson(value: unknown): JsonText {
  return JSON.stringify(value);
}

/**
 * Parses a JSON column back into the record field it was written from. The store reads only what
 * it wrote from typed records, so the text has the type `T` it was serialised from.
 */
export function decodeJson<T>(text: JsonText): T {
  const value: unknown = JSON.parse(text);
  return value as T;
}

/** An optional JSON field: undefined is stored as SQL NULL, so JSON null stays distinct from it. */
export function encodeOptionalJson(value: unknown): JsonText | null {
  return value === undefined ? null : encodeJson(value);
}

export function decodeOptionalJson<T>(text: JsonText | null): T | undefined {
  return text === null ? undefined : decodeJson<T>(text);
}

/** A nullable object field (e.g. a retry state): null is stored as SQL NULL. */
export function encodeNullableJson(value: unknown): JsonText | null {
  return value === null ? null : encodeJson(value);
}

export function decodeNullableJson<T>(text: JsonText | null): T | null {
  return text === null ? null : decodeJson<T>(text);
}

/** Reads a boolean column of either dialect (1/0 on SQLite, true/false on PostgreSQL). */
export function decodeBoolean(value: BooleanColumn): boolean {
  return value === true || value === 1;
}
