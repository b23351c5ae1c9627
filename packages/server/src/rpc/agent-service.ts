// AgentService handlers: the agents come from configuration (DESIGN §5).
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AgentService,
  GetAgentResponseSchema,
  ListAgentsResponseSchema,
} from "@durable-agents/core/proto";
import { z } from "zod";
import type { Engine } from "../engine/engine.js";
import { AgentNotFoundError } from "../engine/errors.js";
import { agentToProto } from "./convert/records.js";
import { decodePageToken, pageSize, paginate } from "./page-token.js";
import type { RequestLimits } from "./request-limits.js";
import { requireId } from "./request-validation.js";

const agentPosition = z.object({ name: z.string() });

export function createAgentService(
  engine: Engine,
  limits: RequestLimits,
): ServiceImpl<typeof AgentService> {
  return {
    async listAgents(request) {
      const limit = pageSize(request.pageSize, limits.maxPageSize);
      const after = decodePageToken(request.pageToken, agentPosition);
      const agents = engine
        .listAgents()
        .sort((a, b) => a.name.localeCompare(b.name))
        .filter((agent) => after === undefined || agent.name > after.name);
      const { page, nextPageToken } = paginate(agents, limit, (agent) => ({ name: agent.name }));
      return create(ListAgentsResponseSchema, { agents: page.map(agentToProto), nextPageToken });
    },
    async getAgent(request) {
      const name = requireId(request.name, "name");
      const agent = engine.context.getAgent(name);
      if (agent === undefined) throw new AgentNotFoundError(name);
      return create(GetAgentResponseSchema, { agent: agentToProto(agent) });
    },
  };
}
