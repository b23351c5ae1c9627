import { createRouterTransport } from "@connectrpc/connect";
import { AgentService } from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { createAgentClient } from "../create-agent-client.js";

/** A server whose GetAgent answers with the headers it received, as the agent's fields. */
const echoTransport = createRouterTransport((router) => {
  router.service(AgentService, {
    getAgent(_request, context) {
      return {
        agent: {
          name: context.requestHeader.get("authorization") ?? "",
          model: context.requestHeader.get("x-tenant") ?? "",
        },
      };
    },
    listAgents() {
      return { agents: [] };
    },
  });
});

describe("call headers (X5)", () => {
  it("sends a static token as a bearer token, with the client's and the call's headers", async () => {
    const client = createAgentClient({
      baseUrl: "http://unused",
      transport: echoTransport,
      token: "k1",
      headers: { "x-tenant": "client" },
    });
    expect(await client.getAgent("a")).toMatchObject({ name: "Bearer k1", model: "client" });
    const perCall = await client.getAgent("a", { headers: { "x-tenant": "call" } });
    expect(perCall.model).toBe("call");
  });

  it("asks a token function before every call, so a refreshed token is used", async () => {
    let issued = 0;
    const client = createAgentClient({
      baseUrl: "http://unused",
      transport: echoTransport,
      token: async () => {
        issued += 1;
        return `t${issued}`;
      },
    });
    expect((await client.getAgent("a")).name).toBe("Bearer t1");
    expect((await client.getAgent("a")).name).toBe("Bearer t2");
  });

  it("lets a call's own authorization header win, and sends none without a token", async () => {
    const withToken = createAgentClient({
      baseUrl: "http://unused",
      transport: echoTransport,
      token: "k1",
    });
    const own = await withToken.getAgent("a", { headers: { authorization: "Bearer mine" } });
    expect(own.name).toBe("Bearer mine");
    const without = createAgentClient({ baseUrl: "http://unused", transport: echoTransport });
    expect((await without.getAgent("a")).name).toBe("");
  });
});
