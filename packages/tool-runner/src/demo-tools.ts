// The two tools of the demo agent (DESIGN §8), defined once: `createDemoTools()` gives them with
// their handlers to the server's in-process transport and to `durable-agents-runner --demo`,
// while the server's demo model and configuration use the names and argument schemas below.
// `get_weather` is sync; `request_approval` is async (B16): its result arrives later through
// AddToolResult/AddToolError.
import { z } from "zod";
import { defineTool, type ToolDefinition, type ToolKind } from "./define-tool.js";

/** Name of the demo's sync weather tool. */
export const GET_WEATHER_TOOL_NAME = "get_weather";
/** Name of the demo's async approval tool. */
export const REQUEST_APPROVAL_TOOL_NAME = "request_approval";

/** Arguments of `get_weather`. */
export const getWeatherArgsSchema = z.object({
  location: z.string().describe("The city to report the weather for, e.g. Oslo"),
});
export type GetWeatherArgs = z.infer<typeof getWeatherArgsSchema>;

/** Arguments of `request_approval`. */
export const requestApprovalArgsSchema = z.object({
  request: z.string().describe("What the user asks to have approved, in their words"),
});
export type RequestApprovalArgs = z.infer<typeof requestApprovalArgsSchema>;

/** What `get_weather` returns for every city, so demo conversations are deterministic (§8). */
export interface GetWeatherResult {
  weather: "sunny";
  temperature: 22;
}

/** The demo's weather report: the same for any city (§8). */
export function getWeatherResult(_args: GetWeatherArgs): GetWeatherResult {
  return { weather: "sunny", temperature: 22 };
}

/** Everything a tool runner needs to announce and validate a demo tool, minus its handler. */
export interface DemoToolDefinition<Args extends z.ZodType> {
  name: string;
  description: string;
  kind: ToolKind;
  /** Validates the tool's arguments; the tool-runner SDK's `defineTool({ args })`. */
  args: Args;
  /** The JSON schema of `args`, as announced by RegisterTools and sent to the model. */
  inputJsonSchema: Readonly<Record<string, unknown>>;
}

/** The sync weather tool of the demo agent. */
export const getWeatherTool: DemoToolDefinition<typeof getWeatherArgsSchema> = {
  name: GET_WEATHER_TOOL_NAME,
  description: "Get the current weather for a city.",
  kind: "sync",
  args: getWeatherArgsSchema,
  inputJsonSchema: {
    type: "object",
    properties: {
      location: { type: "string", description: "The city to report the weather for, e.g. Oslo" },
    },
    required: ["location"],
    additionalProperties: false,
  },
};

/** The async approval tool of the demo agent: a human answers it with AddToolResult/AddToolError. */
export const requestApprovalTool: DemoToolDefinition<typeof requestApprovalArgsSchema> = {
  name: REQUEST_APPROVAL_TOOL_NAME,
  description: "Ask a human to approve a request; the answer arrives later.",
  kind: "async",
  args: requestApprovalArgsSchema,
  inputJsonSchema: {
    type: "object",
    properties: {
      request: {
        type: "string",
        description: "What the user asks to have approved, in their words",
      },
    },
    required: ["request"],
    additionalProperties: false,
  },
};

/** Names of the demo agent's tools, in the order the agent lists them. */
export const DEMO_TOOL_NAMES: readonly string[] = [
  GET_WEATHER_TOOL_NAME,
  REQUEST_APPROVAL_TOOL_NAME,
];

/** The demo agent's tools with their handlers, for the local transport and `--demo` runners. */
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
