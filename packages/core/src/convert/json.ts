import { fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ConversionError } from "./conversion-error.js";

/**
 * toJsonValue turns any value into JSON exactly as `JSON.stringify` would. The AI SDK sends its
 * messages and chunks with `JSON.stringify`, so normalising the same way means a stored or
 * streamed value is what an AI SDK client would have received anyway: keys holding `undefined`,
 * functions or symbols are dropped, such array items and non-finite numbers become `null`, `-0`
 * becomes `0`, and `toJSON()` is honoured (dates become ISO strings). Returns `undefined` where
 * `JSON.stringify` produces nothing; throws {@link ConversionError} where it throws (bigint,
 * circular structures).
 */
export function toJsonValue(value: unknown): JsonValue | undefined {
  return normalise(value, new Set());
}

/** toJsonObject is {@link toJsonValue} for a value that must stay a JSON object (a Struct). */
export function toJsonObject(value: object): JsonObject {
  const json = toJsonValue(value);
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ConversionError("expected a JSON object");
  }
  return json;
}

/** optionalJsonObject converts an optional object for a Struct field; absent stays unset. */
export function optionalJsonObject(value: object | undefined): JsonObject | undefined {
  return value === undefined ? undefined : toJsonObject(value);
}

/**
 * jsonToProtoValue converts any JSON for a `google.protobuf.Value` field. An absent value (or one
 * JSON would drop) leaves the field unset, while JSON `null` becomes a Value holding null, so the
 * two stay distinct on the wire.
 */
export function jsonToProtoValue(value: unknown): Value | undefined {
  const json = toJsonValue(value);
  return json === undefined ? undefined : fromJson(ValueSchema, json);
}

/** protoValueToJson reads a `google.protobuf.Value` field back; unset gives `undefined`. */
export function protoValueToJson(value: Value | undefined): JsonValue | undefined {
  if (value === undefined) {
    return undefined;
  }
  try {
    return toJson(ValueSchema, value);
  } catch (error) {
    throw new ConversionError("a google.protobuf.Value field holds no valid JSON", {
      cause: error,
    });
  }
}

/**
 * extraFieldsOf keeps the keys of an AI SDK object that the protobuf model has no field for, so a
 * newer AI SDK's additions survive. Unset when there are none.
 */
export function extraFieldsOf(rest: object): JsonObject | undefined {
  // Nearly always empty; skip normalising on the streaming hot path (one call per chunk).
  if (Object.keys(rest).length === 0) {
    return undefined;
  }
  const json = toJsonObject(rest);
  return Object.keys(json).length === 0 ? undefined : json;
}

/**
 * omitUndefined drops keys holding `undefined`. Objects rebuilt from protobuf list every field,
 * set or not; the AI SDK treats an absent key like an undefined one, but a round trip must give
 * back the same keys, so unset fields must not appear at all.
 */
export function omitUndefined(record: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) {
      setOwn(result, key, value);
    }
  }
  return result;
}

function normalise(value: unknown, ancestors: Set<object>): JsonValue | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // JSON has no NaN/Infinity and no negative zero.
      return Number.isFinite(value) ? value || 0 : null;
    case "bigint":
      throw new ConversionError("a bigint cannot be carried as JSON");
    case "object":
      return value === null ? null : normaliseObject(value, ancestors);
    default:
      return undefined;
  }
}

function normaliseObject(value: object, ancestors: Set<object>): JsonValue | undefined {
  if (hasToJson(value)) {
    return normalise(value.toJSON(), ancestors);
  }
  if (ancestors.has(value)) {
    throw new ConversionError("a circular structure cannot be carried as JSON");
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Array.from visits holes too, which JSON.stringify writes as null.
      return Array.from(value, (item: unknown) => normalise(item, ancestors) ?? null);
    }
    const result: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const json = normalise(item, ancestors);
      if (json !== undefined) {
        setOwn(result, key, json);
      }
    }
    return result;
  } finally {
    ancestors.delete(value);
  }
}

function hasToJson(value: object): value is { toJSON: () => unknown } {
  return "toJSON" in value && typeof value.toJSON === "function";
}

/** setOwn assigns a key, defining `__proto__` as a plain own key instead of replacing the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
