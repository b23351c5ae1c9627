// The demo agent's tools with their handlers (DESIGN §8), defined once with the tool-runner SDK
// so the in-process transport (and later a NATS runner) runs them unchanged.
import { defineTool, type ToolDefinition } from "@durable-agents/tool-runner";
import { getWeatherResult, getWeatherTool, requestApprovalTool } from "./demo-tools.js";

export function createDemoTools(): ToolDefinition[] {
  return [
    defineTool({
      name: getWeatherTool.name,
      description: getWeatherTool.description,
      args: getWeatherTool.args,
      kind: "sync",
      handler: async (args) => ({ ...getWeatherResult(args) }),
    }),
    defineTool({
      name: requestApprovalTool.name,
      description: requestApprovalTool.description,
      args: requestApprovalTool.args,
      kind: "async",
      // B16: the callback is notified; the approval itself arrives through AddToolResult or
      // AddToolError. The demo has nobody to notify, so accepting the notification is all.
      handler: async () => undefined,
    }),
  ] as ToolDefinition[];
}
