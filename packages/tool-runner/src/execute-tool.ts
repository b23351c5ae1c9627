// One execution of a tool defined with defineTool, shared by every place a tool runs: the
// server's in-process transport (embedded default) and the NATS tool runner. Arguments are
// validated (invalid ones go back to the model as a tool error, never to the handler), the
// handler runs with the call's context and AbortSignal, and its failure is described for the
// server's retry decision (B15, B16, B23).
import { errorTextOf } from "@durable-agents/core";
import type { JsonValue, ToolCallContext, ToolDefinition, ToolKind } from "./define-tool.js";
import type { TraceContext } from "./telemetry/trace-context.js";

/** One attempt of a tool call to execute (what a ToolTask carries, in domain terms). */
export interface ToolExecutionRequest {
  threadId: string;
  toolCallId: string;
  toolName: string;
  /** The arguments the model passed; validated with the tool's schema before the handler runs. */
  args: unknown;
  /** `async` notifies the tool's callback (B16); `sync` runs the handler for its result. */
  kind: ToolKind;
  /** The number of this attempt, from 1 (B15). */
  attempt: number;
  maxAttempts: number;
  /** The W3C trace context the handler sees as its own (X6); undefined outside any trace. */
  traceContext?: TraceContext | undefined;
}

/** Why an attempt failed, as a runner reports it (mirrors the runner protocol's ToolError). */
export interface ToolFailure {
  message: string;
  /** The error's class name, e.g. `TypeError`. */
  name?: string;
  /** The error's code, e.g. `ECONNRESET`. */
  code?: string;
  /** An HTTP status the error carries, e.g. 503. */
  status?: number;
  /** The tool's own verdict (its shouldRetry); undefined lets the server's classifier decide (B23). */
  retryableHint?: boolean;
  /** The delay the tool asked for before another attempt, in ms. */
  retryDelayMs?: number;
  /**
   * The failure is the arguments' fault (they did not validate): the model sees it and retrying
   * cannot help, so `retryableHint` is false too.
   */
  invalidArgs?: boolean;
}

/** How one execution ended. */
export type ToolExecutionResult =
  /** A sync tool returned its result (`undefined` becomes JSON null). */
  | { type: "result"; value: JsonValue }
  /** An async tool's callback accepted the notification (B16). */
  | { type: "delivered" }
  | { type: "failed"; failure: ToolFailure };

function readField(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null
    ? (error as Record<string, unknown>)[key]
    : undefined;
}

/** Describes what a handler threw, keeping what the retry classifier reads (B23). */
export function describeFailure(error: unknown): ToolFailure {
  const name = readField(error, "name");
  const code = readField(error, "code");
  const status = readField(error, "status") ?? readField(error, "statusCode");
  return {
    message: errorTextOf(error),
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof status === "number" ? { status } : {}),
  };
}

/** The context a handler sees: `idempotencyKey` is stable across the attempts of one call. */
function toolCallContext(request: ToolExecutionRequest, signal: AbortSignal): ToolCallContext {
  return {
    threadId: request.threadId,
    toolCallId: request.toolCallId,
    toolName: request.toolName,
    attempt: request.attempt,
    maxAttempts: request.maxAttempts,
    idempotencyKey: `${request.threadId}:${request.toolCallId}`,
    signal,
    traceContext: request.traceContext,
  };
}

/**
 * Executes one attempt. Never throws: a missing tool, invalid arguments and a throwing handler
 * all end as `failed`. `signal` is handed to the handler; aborting it does not end the execution
 * by itself (the handler decides how to stop).
 */
export async function executeTool(
  tool: ToolDefinition | undefined,
  request: ToolExecutionRequest,
  signal: AbortSignal,
): Promise<ToolExecutionResult> {
  if (tool === undefined) {
    return {
      type: "failed",
      failure: { message: `No runner serves tool "${request.toolName}"`, retryableHint: false },
    };
  }
  const parsed = tool.parseArgs(request.args);
  if (!parsed.success) {
    return {
      type: "failed",
      failure: { message: parsed.error, invalidArgs: true, retryableHint: false },
    };
  }
  const context = toolCallContext(request, signal);
  try {
    const value = await tool.handler(parsed.args, context);
    if (request.kind === "async") return { type: "delivered" };
    return { type: "result", value: value ?? null };
  } catch (error: unknown) {
    const failure = describeFailure(error);
    // A throwing shouldRetry must not lose the outcome: the default classifier decides then.
    let verdict: ReturnType<NonNullable<ToolDefinition["shouldRetry"]>> | undefined;
    try {
      verdict = tool.shouldRetry?.(error, context);
    } catch {
      verdict = undefined;
    }
    if (verdict === undefined) return { type: "failed", failure };
    if (typeof verdict === "boolean")
      return { type: "failed", failure: { ...failure, retryableHint: verdict } };
    return {
      type: "failed",
      failure: {
        ...failure,
        retryableHint: verdict.retryable,
        ...(verdict.delayMs === undefined ? {} : { retryDelayMs: verdict.delayMs }),
      },
    };
  }
}
