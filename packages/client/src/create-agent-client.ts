// createAgentClient for Node: HTTP/2 through node:http2 by default (gRPC needs it, and one
// connection then carries every call), HTTP/1.1 on request, or the Fetch API when `fetch` is given.
import { type AgentClient, createAgentClientOnTransport } from "./agent-client.js";
import type { AgentClientOptions, ClientTransport } from "./options.js";
import { withCallHeaders } from "./transport/call-headers.js";
import { createNodeTransport } from "./transport/node-transport.js";

/**
 * createAgentClient connects to a durable-agents server. The client opens its connection on the
 * first call; `close()` ends it.
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  const built: ClientTransport =
    options.transport === undefined
      ? createNodeTransport(options)
      : { transport: options.transport, close() {} };
  return createAgentClientOnTransport(withCallHeaders(built.transport, options), built.close);
}
