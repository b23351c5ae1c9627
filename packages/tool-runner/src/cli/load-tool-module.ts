// `--module FILE`: imports a JavaScript module and collects the tools it exports, whether as a
// default export (one tool or an array) or as named exports (tools or arrays of tools).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ToolDefinition } from "../define-tool.js";
import { UsageError } from "./cli-config.js";

/** Recognises what `defineTool` returns, even from another copy of this package. */
function isToolDefinition(value: unknown): value is ToolDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof ToolDefinition, unknown>>;
  return (
    typeof candidate.name === "string" &&
    typeof candidate.description === "string" &&
    (candidate.kind === "sync" || candidate.kind === "async") &&
    typeof candidate.inputSchema === "object" &&
    typeof candidate.parseArgs === "function" &&
    typeof candidate.handler === "function"
  );
}

/** The tools among a module's exports, in export order, each once. */
export function toolsOfModule(exports: Record<string, unknown>): ToolDefinition[] {
  const found = new Set<ToolDefinition>();
  // The default export first, then named exports in the order the module declares them.
  const values = [
    exports.default,
    ...Object.entries(exports)
      .filter(([key]) => key !== "default")
      .map(([, value]) => value),
  ];
  for (const value of values) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isToolDefinition(item)) found.add(item);
    }
  }
  return [...found];
}

/** Imports `file` (relative to `cwd`) and returns its tools; a module without any is an error. */
export async function loadToolModule(file: string, cwd: string): Promise<ToolDefinition[]> {
  const url = pathToFileURL(resolve(cwd, file)).href;
  const exports = (await import(url)) as Record<string, unknown>;
  const tools = toolsOfModule(exports);
  if (tools.length === 0) {
    throw new UsageError(
      `${file} exports no tool: export defineTool(...) results (default export or named)`,
    );
  }
  return tools;
}
