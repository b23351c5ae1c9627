// Headers every call carries (the bearer token of X5, and the caller's own), added by wrapping the
// transport, so they apply to a transport built here, one the caller passes in, and the raw
// Connect clients of `client.services` alike.
import type { Transport } from "@connectrpc/connect";
import type { HeadersInit } from "../options.js";

/** TokenSource is a bearer token, or a function asked for one before every call (to refresh it). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface CallHeaderOptions {
  token?: TokenSource | undefined;
  headers?: HeadersInit | undefined;
}

/** The transport with the token and headers added to every call; a call's own headers win. */
export function withCallHeaders(transport: Transport, options: CallHeaderOptions): Transport {
  const { token, headers } = options;
  if (token === undefined && headers === undefined) return transport;
  const headersFor = async (callHeaders: HeadersInit | undefined): Promise<Headers> => {
    const merged = new Headers(headers);
    new Headers(callHeaders).forEach((value, key) => {
      merged.set(key, value);
    });
    const bearer = typeof token === "function" ? await token() : token;
    if (bearer !== undefined && bearer !== "" && !merged.has("authorization")) {
      merged.set("authorization", `Bearer ${bearer}`);
    }
    return merged;
  };
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const withHeaders = await headersFor(header);
      return transport.unary(method, signal, timeoutMs, withHeaders, input, contextValues);
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const withHeaders = await headersFor(header);
      return transport.stream(method, signal, timeoutMs, withHeaders, input, contextValues);
    },
  };
}
