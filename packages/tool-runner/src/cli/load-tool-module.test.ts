import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "../define-tool.js";
import { isUsageError } from "./cli-config.js";
import { loadToolModule, toolsOfModule } from "./load-tool-module.js";

const tool = (name: string) =>
  defineTool({ name, description: name, args: z.object({}), handler: async () => name });

describe("--module: the tools a module exports", () => {
  it("takes a default export array, then named tools and arrays, each once", () => {
    const a = tool("a");
    const b = tool("b");
    const c = tool("c");
    const names = toolsOfModule({
      default: [a, b],
      b,
      more: [c, "not a tool"],
      helper: () => "not a tool",
      config: { name: "x" },
    }).map((found) => found.name);
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("takes a single default export", () => {
    expect(toolsOfModule({ default: tool("only") }).map((found) => found.name)).toEqual(["only"]);
  });

  it("imports a module file relative to the working directory", async () => {
    const cwd = fileURLToPath(new URL(".", import.meta.url));
    const tools = await loadToolModule("../test-support/tool-module.fixture.ts", cwd);
    expect(tools.map((found) => found.name)).toEqual(["shout", "whisper"]);
  });

  it("refuses a module without tools", async () => {
    const cwd = fileURLToPath(new URL(".", import.meta.url));
    const failure = await loadToolModule("./cli-config.ts", cwd).catch((error: unknown) => error);
    expect(isUsageError(failure)).toBe(true);
  });
});
