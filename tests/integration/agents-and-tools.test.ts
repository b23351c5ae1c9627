// AgentService and the tool registry of ToolCallService (DESIGN §3, §5, §8) through real HTTP/2
// gRPC on port 0: the demo agent and its tools are listed as configured, and RegisterTools upserts.
import { ToolKind } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("agents and tools (§3, §8)", () => {
  let test: TestServer;
  beforeEach(async () => {
    test = await startTestServer({
      config: {
        agents: [
          {
            name: "assistant",
            model: "demo:echo",
            system: "Be brief.",
            tools: ["get_weather"],
            retry: { maxAttempts: 5 },
            streaming: { throttleMs: 100 },
            maxSteps: 7,
          },
        ],
      },
    });
  });
  afterEach(async () => {
    await test.close();
  });

  it("§8 ListAgents and GetAgent show the demo agent: model demo:echo with its two tools", async () => {
    const { agents, nextPageToken } = await test.agents.listAgents({});
    expect(nextPageToken).toBe("");
    expect(agents.map((agent) => agent.name)).toEqual(["assistant", "demo"]);
    const { agent: demo } = await test.agents.getAgent({ name: "demo" });
    expect(demo).toMatchObject({
      name: "demo",
      model: "demo:echo",
      tools: ["get_weather", "request_approval"],
      maxSteps: 20,
      retry: { enabled: true, maxAttempts: 3 },
      streaming: { saveDeltas: true, includeToolInputDeltas: false },
    });
    expect(demo?.streaming?.throttle).toMatchObject({ seconds: 0n, nanos: 250_000_000 });
    expect(agents.find((agent) => agent.name === "demo")).toEqual(demo);
  });

  it("§5 a configured agent is listed with its settings", async () => {
    const { agent } = await test.agents.getAgent({ name: "assistant" });
    expect(agent).toMatchObject({
      name: "assistant",
      model: "demo:echo",
      system: "Be brief.",
      tools: ["get_weather"],
      maxSteps: 7,
      retry: { maxAttempts: 5 },
    });
    const paged = await test.agents.listAgents({ pageSize: 1 });
    expect(paged.agents.map((listed) => listed.name)).toEqual(["assistant"]);
    const rest = await test.agents.listAgents({ pageSize: 1, pageToken: paged.nextPageToken });
    expect(rest.agents.map((listed) => listed.name)).toEqual(["demo"]);
    expect(rest.nextPageToken).toBe("");
  });

  it("§8 ListTools lists the demo's get_weather (sync) and request_approval (async)", async () => {
    const { tools } = await test.toolCalls.listTools({});
    expect(tools.map((tool) => [tool.name, ToolKind[tool.kind]])).toEqual([
      ["get_weather", "SYNC"],
      ["request_approval", "ASYNC"],
    ]);
    expect(tools[0]?.inputSchema).toMatchObject({
      type: "object",
      properties: { location: { type: "string" } },
      required: ["location"],
    });
  });

  it("§3 RegisterTools persists a runner's tools, replaces them by name, and ListTools shows them", async () => {
    const schema = { type: "object", properties: { order: { type: "string" } } };
    const first = await test.toolCalls.registerTools({
      runnerId: "runner-a",
      tools: [
        {
          name: "lookup_order",
          description: "Looks an order up.",
          inputSchema: schema,
          kind: ToolKind.SYNC,
        },
      ],
    });
    expect(first.tools).toMatchObject([
      { name: "lookup_order", description: "Looks an order up.", runnerId: "runner-a" },
    ]);
    await test.toolCalls.registerTools({
      runnerId: "runner-b",
      tools: [
        {
          name: "lookup_order",
          description: "Looks an order up, faster.",
          inputSchema: schema,
          kind: ToolKind.ASYNC,
        },
      ],
    });
    const { tools } = await test.toolCalls.listTools({});
    expect(tools.map((tool) => tool.name)).toEqual([
      "get_weather",
      "lookup_order",
      "request_approval",
    ]);
    expect(tools.find((tool) => tool.name === "lookup_order")).toMatchObject({
      description: "Looks an order up, faster.",
      kind: ToolKind.ASYNC,
      runnerId: "runner-b",
      inputSchema: schema,
    });
    const paged = await test.toolCalls.listTools({ pageSize: 2 });
    expect(paged.tools.map((tool) => tool.name)).toEqual(["get_weather", "lookup_order"]);
    const rest = await test.toolCalls.listTools({ pageSize: 2, pageToken: paged.nextPageToken });
    expect(rest.tools.map((tool) => tool.name)).toEqual(["request_approval"]);
  });
});
