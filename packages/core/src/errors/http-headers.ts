import { readProperty } from "./read-property.js";

/**
 * Response headers as errors carry them: a fetch `Headers` object, or a plain record such as the
 * AI SDK's `APICallError.responseHeaders` (values may also be numbers or arrays, as in Node's
 * `IncomingHttpHeaders`).
 */
export type HeaderSource = Pick<Headers, "get"> | Readonly<Record<string, unknown>>;

function isHeadersLike(headers: HeaderSource): headers is Pick<Headers, "get"> {
  return typeof readProperty(headers, "get") === "function";
}

/** Whether a value found on an error can be read as response headers. */
export function isHeaderSource(value: unknown): value is HeaderSource {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value of header `name`, looked up case-insensitively as HTTP requires. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (isHeadersLike(headers)) {
    return headers.get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) {
      continue;
    }
    if (typeof value === "string") {
      return value;
    }
    if (typeof value === "number") {
      return String(value);
    }
    if (Array.isArray(value)) {
      const first: unknown = value[0];
      return typeof first === "string" ? first : undefined;
    }
    return undefined;
  }
  return undefined;
}
