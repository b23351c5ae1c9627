import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, isInvalidToolDefinitionError } from "./define-tool.js";

const weather = defineTool({
  name: "get_weather",
  description: "The weather in a city",
  args: z.object({ location: z.string() }),
  handler: async ({ location }) => ({ location, weather: "sunny" }),
});

describe("defineTool", () => {
  it("describes the arguments as JSON Schema for the model and RegisterTools", () => {
    expect(weather.inputSchema).toMatchObject({
      type: "object",
      properties: { location: { type: "string" } },
      required: ["location"],
    });
  });

  it("defaults to a sync tool without retries or timeout", () => {
    expect(weather.kind).toBe("sync");
    expect(weather.retry).toBeUndefined();
    expect(weather.timeoutMs).toBeUndefined();
  });

  it("parses valid arguments", () => {
    expect(weather.parseArgs({ location: "Oslo" })).toEqual({
      success: true,
      args: { location: "Oslo" },
    });
  });

  it("turns invalid arguments into an error text the model can read", () => {
    const parsed = weather.parseArgs({ location: 42 });
    expect(parsed.success).toBe(false);
    expect(parsed.success ? "" : parsed.error).toMatch(
      /^Invalid arguments for tool get_weather: .*location/s,
    );
  });

  it.each(["", "has space", "x".repeat(65), "dot.name"])("refuses the tool name %j", (name) => {
    const define = () =>
      defineTool({ name, description: "", args: z.object({}), handler: async () => null });
    expect(define).toThrowError(/Tool name/);
    try {
      define();
    } catch (error: unknown) {
      expect(isInvalidToolDefinitionError(error)).toBe(true);
    }
  });

  it.each([0, -1])("refuses a non-positive timeoutMs %d", (timeoutMs) => {
    expect(() =>
      defineTool({
        name: "t",
        description: "",
        args: z.object({}),
        handler: async () => null,
        timeoutMs,
      }),
    ).toThrowError(/non-positive timeoutMs/);
  });

  it("keeps the retry policy and shouldRetry for the server's decision (B15)", () => {
    const shouldRetry = () => ({ retryable: true, delayMs: 10 });
    const tool = defineTool({
      name: "flaky",
      description: "",
      args: z.object({}),
      handler: async () => null,
      retry: { enabled: true, maxAttempts: 5 },
      shouldRetry,
    });
    expect(tool.retry).toEqual({ enabled: true, maxAttempts: 5 });
    expect(tool.shouldRetry).toBe(shouldRetry);
  });
});
