// The options of createAgentClient, shared by the Node and the browser entry points.
import type { Interceptor, Transport } from "@connectrpc/connect";
import type { TokenSource } from "./transport/call-headers.js";

/**
 * Protocol is the wire protocol of the client. The server speaks all three on one port
 * (docs/decisions.md, "One port, routed by first bytes").
 * - `connect`: the Connect protocol; works over HTTP/1.1 and HTTP/2, from Node and from browsers.
 * - `grpc`: gRPC; needs HTTP/2, so Node only (browsers cannot speak it).
 * - `grpc-web`: gRPC-Web; works everywhere, for proxies and tooling that expect it.
 */
export type Protocol = "connect" | "grpc" | "grpc-web";

/** Headers as `new Headers()` takes them: a record, a list of pairs or a Headers object. */
export type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;

/** Options of createAgentClient. */
export interface AgentClientOptions {
  /** baseUrl is where the server listens, e.g. `"http://127.0.0.1:7700"`. */
  baseUrl: string;
  /**
   * protocol is the wire protocol. Connect is the default because it works the same from Node
   * and from a browser, over HTTP/1.1 and HTTP/2.
   * @default "connect"
   */
  protocol?: Protocol;
  /**
   * token is a bearer token sent as `authorization: Bearer <token>` on every call (X5), or a
   * function asked for it before every call, e.g. to refresh a JWT.
   */
  token?: TokenSource;
  /** headers are sent with every call; a call's own headers win. */
  headers?: HeadersInit;
  /**
   * fetch makes the client use the Fetch API: always in the browser entry (default
   * `globalThis.fetch`); in Node, passing it switches from `node:http`/`node:http2` to this fetch
   * (the `grpc` protocol cannot go through fetch).
   */
  fetch?: typeof globalThis.fetch;
  /**
   * httpVersion is the HTTP version of the Node transports for `connect` and `grpc-web` (`grpc`
   * always uses HTTP/2). HTTP/2 multiplexes every call, watches included, on one connection.
   * Ignored with `fetch` and in the browser.
   * @default "2"
   */
  httpVersion?: "1.1" | "2";
  /**
   * pingIntervalMs is how often an HTTP/2 connection with open calls is checked with a PING, so a
   * watch notices a connection that died silently and reconnects. Node with HTTP/2 only.
   * @default 15_000
   */
  pingIntervalMs?: number;
  /** defaultTimeoutMs is the timeout of a unary call that sets none; undefined waits forever. */
  defaultTimeoutMs?: number;
  /** interceptors run around every call of a transport the client builds. */
  interceptors?: Interceptor[];
  /**
   * transport replaces the transport the client would build (then `protocol`, `fetch`,
   * `httpVersion`, `pingIntervalMs`, `defaultTimeoutMs` and `interceptors` are not used; `token`
   * and `headers` still are).
   */
  transport?: Transport;
}

/** The per-call options every method takes last. */
export interface CallOptions {
  /** signal cancels the call. */
  signal?: AbortSignal;
  /** timeoutMs overrides the client's `defaultTimeoutMs` for this call. */
  timeoutMs?: number;
  /** headers are sent with this call only. */
  headers?: HeadersInit;
}

/** A transport with what closing the client must release. */
export interface ClientTransport {
  transport: Transport;
  /** close ends the client's connections (open calls fail). */
  close(): void;
}

export const DEFAULT_PING_INTERVAL_MS = 15_000;
