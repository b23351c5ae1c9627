// Clients of every service that send a bearer token (X5), or none, for the authentication tests.
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  AdminService,
  AgentService,
  healthV1,
  StreamService,
  ThreadService,
  ToolCallService,
} from "@durable-agents/core/proto";

/** The API's services; health and reflection are not among them (they stay open). */
export const API_SERVICES = [
  ThreadService,
  StreamService,
  ToolCallService,
  AgentService,
  AdminService,
] as const;

export interface AuthClients {
  transport: Transport;
  threads: Client<typeof ThreadService>;
  streams: Client<typeof StreamService>;
  toolCalls: Client<typeof ToolCallService>;
  agents: Client<typeof AgentService>;
  admin: Client<typeof AdminService>;
  health: Client<typeof healthV1.Health>;
}

function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

/** gRPC clients of `baseUrl` that send `token` on every call (none when undefined). */
export function clientsWithToken(baseUrl: string, token?: string): AuthClients {
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: token === undefined ? [] : [bearer(token)],
  });
  return {
    transport,
    threads: createClient(ThreadService, transport),
    streams: createClient(StreamService, transport),
    toolCalls: createClient(ToolCallService, transport),
    agents: createClient(AgentService, transport),
    admin: createClient(AdminService, transport),
    health: createClient(healthV1.Health, transport),
  };
}
