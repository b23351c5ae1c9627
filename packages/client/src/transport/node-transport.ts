// Node transports (@connectrpc/connect-node). HTTP/2 by default, through a session manager the
// client owns, so `close()` can end the connection and PINGs notice one that died silently.
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import {
  type AgentClientOptions,
  type ClientTransport,
  DEFAULT_PING_INTERVAL_MS,
} from "../options.js";
import { createWebTransport } from "./web-transport.js";

export function createNodeTransport(options: AgentClientOptions): ClientTransport {
  const protocol = options.protocol ?? "connect";
  if (options.fetch !== undefined) return createWebTransport(options);
  const common = {
    baseUrl: options.baseUrl,
    interceptors: options.interceptors,
    defaultTimeoutMs: options.defaultTimeoutMs,
    useBinaryFormat: true,
  };
  // gRPC has no HTTP/1.1 mapping.
  const httpVersion = protocol === "grpc" ? "2" : (options.httpVersion ?? "2");
  if (httpVersion === "1.1") {
    const transport =
      protocol === "grpc-web"
        ? createGrpcWebTransport({ ...common, httpVersion })
        : createConnectTransport({ ...common, httpVersion });
    return { transport, close() {} };
  }
  const sessionManager = new Http2SessionManager(options.baseUrl, {
    pingIntervalMs: options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
  });
  const http2 = { ...common, httpVersion, sessionManager } as const;
  const transport =
    protocol === "grpc"
      ? createGrpcTransport(http2)
      : protocol === "grpc-web"
        ? createGrpcWebTransport(http2)
        : createConnectTransport(http2);
  return { transport, close: () => sessionManager.abort() };
}
