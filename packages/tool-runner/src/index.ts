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
