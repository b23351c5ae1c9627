// Opaque page tokens: the keyset position of the last item of a page, as base64url JSON. A token
// that does not decode is INVALID_ARGUMENT, never a silent first page.
import type { z } from "zod";
import { invalidArgument } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 100;

/**
 * page_size 0 means the default (B24: 100); above `limits.maxPageSize` it is lowered to it, as
 * AIP-158 asks, and the next page token says there is more; negative is invalid.
 */
export function pageSize(requested: number, maxPageSize: number): number {
  if (requested < 0)
    throw invalidArgument([{ field: "page_size", description: "must not be negative" }]);
  return Math.min(requested === 0 ? DEFAULT_PAGE_SIZE : requested, maxPageSize);
}

export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

export function decodePageToken<T>(token: string, schema: z.ZodType<T>): T | undefined {
  if (token === "") return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // Falls through to the error below: the token is not ours.
  }
  throw invalidArgument([
    { field: "page_token", description: "is not a token this server issued" },
  ]);
}

/** The page and the token of the next one: one item more than the page is read to know. */
export function paginate<T>(items: readonly T[], limit: number, position: (item: T) => unknown) {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    nextPageToken:
      items.length > limit && last !== undefined ? encodePageToken(position(last)) : "",
  };
}
