// The public surface of @durable-agents/tool-runner.

export type {
  JsonValue,
  ToolCallContext,
  ToolDefinition,
  ToolHandler,
  ToolKind,
  ToolOptions,
} from "./define-tool.js";
export {
  defineTool,
  InvalidToolDefinitionError,
  isInvalidToolDefinitionError,
} from "./define-tool.js";
export type {
  DemoToolDefinition,
  GetWeatherArgs,
  GetWeatherResult,
  RequestApprovalArgs,
} from "./demo-tools.js";
export {
  createDemoTools,
  DEMO_TOOL_NAMES,
  GET_WEATHER_TOOL_NAME,
  getWeatherResult,
  getWeatherTool,
  REQUEST_APPROVAL_TOOL_NAME,
  requestApprovalTool,
} from "./demo-tools.js";
export type { ToolExecutionRequest, ToolExecutionResult, ToolFailure } from "./execute-tool.js";
export { describeFailure, executeTool } from "./execute-tool.js";
export { ensureStreams } from "./nats/ensure-jetstream.js";
export type { ProtocolNames } from "./nats/protocol-names.js";
export { DEFAULT_PREFIX, protocolNames } from "./nats/protocol-names.js";
export type { ToolRunner, ToolRunnerOptions } from "./nats/tool-runner.js";
export { createToolRunner } from "./nats/tool-runner.js";
