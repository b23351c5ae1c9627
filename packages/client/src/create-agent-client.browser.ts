// createAgentClient for browsers (and other Fetch API runtimes): Connect or gRPC-Web over fetch.
// Nothing here imports a Node module, so bundlers can use it as it is.
import { type AgentClient, createAgentClientOnTransport } from "./agent-client.js";
import type { AgentClientOptions, ClientTransport } from "./options.js";
import { withCallHeaders } from "./transport/call-headers.js";
import { createWebTransport } from "./transport/web-transport.js";

/**
 * createAgentClient connects to a durable-agents server over the Fetch API (protocol `connect` or
 * `grpc-web`; `grpc` needs HTTP/2 trailers, which fetch cannot read).
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  const built: ClientTransport =
    options.transport === undefined
      ? createWebTransport(options)
      : { transport: options.transport, close() {} };
  return createAgentClientOnTransport(withCallHeaders(built.transport, options), built.close);
}
