// Size limits on what a caller sends (X5), checked at the RPC edge before the engine sees a
// request. A violation is INVALID_ARGUMENT with a google.rpc.BadRequest field violation that
// names the field, the size found and the limit with its configuration key (DESIGN §3).
import type { LimitsConfig } from "../config/server-config.js";
import { invalidArgument } from "./errors.js";

/** The limits the handlers check; the rest of `LimitsConfig` is enforced elsewhere. */
export type RequestLimits = Pick<
  LimitsConfig,
  | "maxPromptChars"
  | "maxPartsPerMessage"
  | "maxToolResultBytes"
  | "maxMetadataBytes"
  | "maxPageSize"
>;

type LimitName = keyof RequestLimits;

function refuse(field: string, found: string, limits: RequestLimits, limit: LimitName): never {
  throw invalidArgument([
    {
      field,
      description: `${found}, more than the limit of ${limits[limit]} (limits.${limit})`,
    },
  ]);
}

/** Unicode code points, so a prompt in any script counts one per character. */
export function codePointCount(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        index += 1;
      }
    }
  }
  return count;
}

/**
 * The UTF-8 size of a value's JSON. A value too deeply nested for `JSON.stringify` (it recurses)
 * is refused as such rather than failing the call as an internal error.
 */
function jsonByteLength(value: unknown, field: string): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error: unknown) {
    if (!(error instanceof RangeError)) throw error;
    throw invalidArgument([{ field, description: "is nested too deeply" }]);
  }
  return json === undefined ? 0 : Buffer.byteLength(json, "utf8");
}

/** A prompt, or the text of one part of a caller's message: `limits.maxPromptChars`. */
export function checkPromptLength(text: string, field: string, limits: RequestLimits): void {
  // Each code point is one or two UTF-16 units, so a string this short cannot be over the limit.
  if (text.length <= limits.maxPromptChars) return;
  const characters = codePointCount(text);
  if (characters > limits.maxPromptChars) {
    refuse(field, `is ${characters} characters long`, limits, "maxPromptChars");
  }
}

/**
 * Longest ForceFailThread reason, in characters. Fixed rather than configured: the reason is an
 * operator's note that is copied into the thread's failure and into the error of every tool call
 * the thread still had pending (engine/admin-operations.ts), so it stays the size of a log line
 * however many calls that is; `maxPromptChars` (a million by default) would allow far more.
 */
export const MAX_FORCE_FAIL_REASON_CHARS = 4096;

/** A ForceFailThread reason (X10): {@link MAX_FORCE_FAIL_REASON_CHARS}. */
export function checkForceFailReasonLength(text: string, field: string): void {
  if (text.length <= MAX_FORCE_FAIL_REASON_CHARS) return;
  const characters = codePointCount(text);
  if (characters > MAX_FORCE_FAIL_REASON_CHARS) {
    throw invalidArgument([
      {
        field,
        description: `is ${characters} characters long, more than the limit of ${MAX_FORCE_FAIL_REASON_CHARS}`,
      },
    ]);
  }
}

/** How many parts a caller's message has: `limits.maxPartsPerMessage`. */
export function checkPartCount(count: number, field: string, limits: RequestLimits): void {
  if (count > limits.maxPartsPerMessage) {
    refuse(field, `has ${count} parts`, limits, "maxPartsPerMessage");
  }
}

/** Thread or message metadata, as JSON: `limits.maxMetadataBytes`. */
export function checkMetadataSize(value: unknown, field: string, limits: RequestLimits): void {
  const bytes = jsonByteLength(value, field);
  if (bytes > limits.maxMetadataBytes) {
    refuse(field, `is ${bytes} bytes of JSON`, limits, "maxMetadataBytes");
  }
}

/** A tool result, as JSON: `limits.maxToolResultBytes`. */
export function checkToolResultSize(value: unknown, field: string, limits: RequestLimits): void {
  const bytes = jsonByteLength(value, field);
  if (bytes > limits.maxToolResultBytes) {
    refuse(field, `is ${bytes} bytes of JSON`, limits, "maxToolResultBytes");
  }
}

/** A tool error's text, in UTF-8 bytes: `limits.maxToolResultBytes`, as for a result. */
export function checkToolErrorSize(text: string, field: string, limits: RequestLimits): void {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limits.maxToolResultBytes) {
    refuse(field, `is ${bytes} bytes`, limits, "maxToolResultBytes");
  }
}
