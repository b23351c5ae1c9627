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
export type {
  NatsCredentialFields,
  NatsCredentials,
  NatsCredentialsResult,
} from "./nats/nats-credentials.js";
export {
  isNatsCredentialsFileError,
  NatsCredentialsFileError,
  natsAuthOptions,
  natsCredentialsFrom,
} from "./nats/nats-credentials.js";
export type { ProtocolNames } from "./nats/protocol-names.js";
export { DEFAULT_PREFIX, protocolNames } from "./nats/protocol-names.js";
export type { ToolRunner, ToolRunnerOptions } from "./nats/tool-runner.js";
export { createToolRunner } from "./nats/tool-runner.js";
export type { JsonLoggerOptions, LogLevel } from "./telemetry/json-logger.js";
export {
  createJsonLogger,
  isLogLevel,
  LOG_LEVELS,
  REDACTED,
  REDACTED_LOG_PATHS,
} from "./telemetry/json-logger.js";
export type {
  MetricsHttpRequest,
  MetricsHttpResponse,
  MetricsServer,
} from "./telemetry/metrics-http.js";
export {
  answerMetricsRequest,
  METRICS_PATH,
  startMetricsServer,
} from "./telemetry/metrics-http.js";
export type { OtlpEnvironment, OtlpTracing, OtlpTracingOptions } from "./telemetry/otlp-tracing.js";
export { otlpTracesUrl, startOtlpTracing } from "./telemetry/otlp-tracing.js";
export type { TraceContext } from "./telemetry/trace-context.js";
export {
  contextFromTraceContext,
  traceContextFromHeaders,
  traceContextOf,
} from "./telemetry/trace-context.js";
