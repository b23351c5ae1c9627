import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createDemoTools,
  DEMO_TOOL_NAMES,
  getWeatherResult,
  getWeatherTool,
  requestApprovalTool,
} from "./demo-tools.js";
import { executeTool } from "./execute-tool.js";

describe("demo tools (DESIGN §8)", () => {
  it("reports sunny and 22 degrees for any city", () => {
    expect(getWeatherResult({ location: "Oslo" })).toEqual({ weather: "sunny", temperature: 22 });
    expect(getWeatherResult({ location: "Nowhere" })).toEqual({
      weather: "sunny",
      temperature: 22,
    });
  });

  it("names get_weather sync and request_approval async", () => {
    expect([getWeatherTool.name, getWeatherTool.kind]).toEqual(["get_weather", "sync"]);
    expect([requestApprovalTool.name, requestApprovalTool.kind]).toEqual([
      "request_approval",
      "async",
    ]);
    expect(DEMO_TOOL_NAMES).toEqual(["get_weather", "request_approval"]);
  });

  it.each([getWeatherTool, requestApprovalTool])(
    "$name announces the JSON schema of its zod arguments",
    (tool) => {
      const { $schema: _, ...fromZod } = z.toJSONSchema(tool.args);
      expect(tool.inputJsonSchema).toEqual(fromZod);
    },
  );

  it("validates arguments with the zod schemas", () => {
    expect(getWeatherTool.args.safeParse({ location: "Oslo" }).success).toBe(true);
    expect(getWeatherTool.args.safeParse({ city: "Oslo" }).success).toBe(false);
    expect(requestApprovalTool.args.safeParse({ request: "approve it" }).success).toBe(true);
    expect(requestApprovalTool.args.safeParse({}).success).toBe(false);
  });

  it("createDemoTools serves them with handlers, in the agent's order", async () => {
    const [weather, approval] = createDemoTools();
    expect([weather?.name, weather?.kind, approval?.name, approval?.kind]).toEqual([
      "get_weather",
      "sync",
      "request_approval",
      "async",
    ]);
    const call = { threadId: "t", toolCallId: "c", attempt: 1, maxAttempts: 1 };
    const signal = new AbortController().signal;
    expect(
      await executeTool(
        weather,
        { ...call, toolName: "get_weather", kind: "sync", args: { location: "Oslo" } },
        signal,
      ),
    ).toEqual({ type: "result", value: { weather: "sunny", temperature: 22 } });
    expect(
      await executeTool(
        approval,
        { ...call, toolName: "request_approval", kind: "async", args: { request: "ok?" } },
        signal,
      ),
    ).toEqual({ type: "delivered" });
  });
});
