// Transports over the Fetch API (@connectrpc/connect-web): the browser entry's only transports,
// and Node's when the caller passes `fetch`. No Node module is imported here.
import {
  createConnectTransport as createConnectWebTransport,
  createGrpcWebTransport as createGrpcWebWebTransport,
} from "@connectrpc/connect-web";
import type { AgentClientOptions, ClientTransport } from "../options.js";

export function createWebTransport(options: AgentClientOptions): ClientTransport {
  const protocol = options.protocol ?? "connect";
  if (protocol === "grpc") {
    throw new TypeError(
      'protocol "grpc" needs HTTP/2 trailers, which the Fetch API cannot read: use "connect" or "grpc-web"',
    );
  }
  const common = {
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    interceptors: options.interceptors,
    defaultTimeoutMs: options.defaultTimeoutMs,
  };
  const transport =
    protocol === "grpc-web"
      ? createGrpcWebWebTransport({ ...common, useBinaryFormat: true })
      : createConnectWebTransport({ ...common, useBinaryFormat: true });
  return { transport, close() {} };
}
