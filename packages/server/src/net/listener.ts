import { once } from "node:events";
import { createServer as createHttp1Server } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { type ConnectNodeAdapterOptions, connectNodeAdapter } from "@connectrpc/connect-node";
import { createConnectionTracker } from "./connection-tracker.js";
import { endStreamsOnClose } from "./end-streams-on-close.js";
import { resetUnfinishedRequestAfterResponse } from "./reset-unfinished-request.js";
import { routeByFirstBytes } from "./route-by-first-bytes.js";

/** A request handler for plain HTTP paths, for HTTP/1.x and HTTP/2 alike. */
export type HttpFallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/**
 * Answers plain HTTP requests before the RPC router sees them (e.g. `GET /metrics`), for
 * HTTP/1.x and HTTP/2 alike; returns whether it answered.
 */
export type HttpInterception = (...args: Parameters<HttpFallback>) => boolean;

/** Options of `startListener`. */
export interface ListenerOptions {
  /** Interface to bind, e.g. "127.0.0.1", "0.0.0.0" or "::1". */
  host: string;
  /** TCP port to bind; 0 lets the system pick a free one (see `Listener.address`). */
  port: number;
  /** Registers the RPC services, as for connect's `connectNodeAdapter`. */
  routes: (router: ConnectRouter) => void;
  /**
   * Serves every request that is not an RPC, e.g. `/metrics` or the web console.
   * @default a 404 response
   */
  fallback?: HttpFallback;
  /**
   * Sees every request first and answers the plain HTTP ones it owns (e.g. `GET /metrics`);
   * what it leaves goes to the RPC router.
   * @default none
   */
  intercept?: HttpInterception;
  /**
   * Further options of connect's router (interceptors, message size limits, compression,
   * context values). Its interceptors run after the one that ends streams on close.
   * @default connect's defaults
   */
  connect?: Omit<ConnectNodeAdapterOptions, "routes" | "fallback">;
  /**
   * How long `close()` lets in-flight calls finish before it destroys the connections left.
   * @default 10_000
   */
  drainTimeoutMs?: number;
  /**
   * How long a new connection may stay silent before it is dropped: it cannot be routed to
   * a protocol before its first bytes arrive.
   * @default 10_000
   */
  firstBytesTimeoutMs?: number;
}

/** One TCP port serving gRPC (HTTP/2), Connect and gRPC-Web (HTTP/1.1 and HTTP/2). */
export interface Listener {
  /** The bound address; with port 0, the port the system picked. */
  readonly address: { readonly host: string; readonly port: number };
  /** The base URL clients use, e.g. `http://127.0.0.1:7700`. */
  readonly url: string;
  /**
   * Aborted when `close()` starts. Streaming handlers already see it through
   * `HandlerContext.signal`; other long-lived work tied to the listener may watch it.
   */
  readonly closing: AbortSignal;
  /**
   * Closes gracefully: stops accepting connections, lets in-flight unary calls finish, ends
   * streaming calls (their handler signal aborts), and after `drainTimeoutMs` destroys what is
   * still open. Resolves once every connection is closed; calling it again returns the same
   * promise.
   */
  close(): Promise<void>;
}

const defaultDrainTimeoutMs = 10_000;
const defaultFirstBytesTimeoutMs = 10_000;

/**
 * Starts serving RPCs on one TCP port and resolves once it is bound.
 *
 * `http2.createServer({ allowHTTP1 })` negotiates HTTP/1.1 only through TLS ALPN, so on a
 * cleartext port each connection is routed by its first bytes instead: the HTTP/2 preface goes
 * to an HTTP/2 server, anything else to an HTTP/1.x server, both running the same connect
 * handler. Neither of those servers listens itself; they only receive routed connections.
 */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const drainTimeoutMs = options.drainTimeoutMs ?? defaultDrainTimeoutMs;
  const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? defaultFirstBytesTimeoutMs;
  const closingController = new AbortController();
  const tracker = createConnectionTracker();

  const handleRequest = connectNodeAdapter({
    ...options.connect,
    routes: options.routes,
    ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
    interceptors: [
      endStreamsOnClose(closingController.signal),
      ...(options.connect?.interceptors ?? []),
    ],
  });
  const { intercept } = options;
  const serve: HttpFallback =
    intercept === undefined
      ? handleRequest
      : (request, response) => {
          if (!intercept(request, response)) handleRequest(request, response);
        };
  const http1Server = createHttp1Server((request, response) => {
    tracker.http1RequestStarted(request, response);
    serve(request, response);
  });
  const http2Server = createHttp2Server(serve);
  http2Server.on("session", (session) => tracker.http2SessionOpened(session));
  http2Server.on("stream", resetUnfinishedRequestAfterResponse);

  // allowHalfOpen as an HTTP/1.x server has it: a client may half-close after its request and
  // still read the response. HTTP/2 connections are switched back below.
  const tcpServer = createTcpServer({ allowHalfOpen: true }, (socket) => {
    tracker.accepted(socket);
    routeByFirstBytes(
      socket,
      {
        http2(routed) {
          tracker.handedToHttp2(routed);
          routed.allowHalfOpen = false;
          // The HTTP/2 session reads the put-back preface from the socket's buffer itself.
          http2Server.emit("connection", routed);
        },
        http1(routed) {
          tracker.handedToHttp1(routed);
          http1Server.emit("connection", routed);
          // The HTTP/1.x parser only sees the put-back bytes once the socket flows again.
          routed.resume();
        },
      },
      firstBytesTimeoutMs,
    );
  });

  tcpServer.listen({ host: options.host, port: options.port });
  await once(tcpServer, "listening");
  const address = boundAddress(tcpServer.address());

  let closed: Promise<void> | undefined;
  const close = async () => {
    closingController.abort();
    const allConnectionsClosed = new Promise<void>((resolve) => tcpServer.close(() => resolve()));
    tracker.beginDrain();
    const drainDeadline = setTimeout(() => tracker.destroyAll(), drainTimeoutMs);
    try {
      await allConnectionsClosed;
    } finally {
      clearTimeout(drainDeadline);
    }
  };

  return {
    address,
    url: `http://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`,
    closing: closingController.signal,
    close() {
      closed ??= close();
      return closed;
    },
  };
}

function boundAddress(address: AddressInfo | string | null): { host: string; port: number } {
  if (address === null || typeof address === "string") {
    throw new Error("the listener is bound to a pipe, not a TCP port");
  }
  return { host: address.address, port: address.port };
}
