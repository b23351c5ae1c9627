// defineTool: one definition of a tool that runs unchanged in the server's in-process transport
// (embedded default) and in NATS tool runner processes (DESIGN §5).
import type { ToolRetryPolicy, ToolShouldRetryResult } from "@durable-agents/core";
import { z } from "zod";
import type { TraceContext } from "./telemetry/trace-context.js";

/** Any JSON value: what tools take and return. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Sync tools return their result; async tools only notify a callback (B16). */
export type ToolKind = "sync" | "async";

/** What a handler knows about the call it serves. */
export interface ToolCallContext {
  threadId: string;
  toolCallId: string;
  toolName: string;
  /** The number of this attempt, from 1 (B15). */
  attempt: number;
  maxAttempts: number;
  /**
   * Stable across attempts of one call, so a handler with side effects can de-duplicate them:
   * `<threadId>:<toolCallId>`.
   */
  idempotencyKey: string;
  /** Fires when the thread is stopped or the call's deadline passes (X9, B11, B18). */
  signal: AbortSignal;
  /**
   * The W3C trace context of this execution (X6), to pass on to what the handler calls (e.g. as
   * HTTP `traceparent`/`tracestate` headers); undefined when the call was made outside any trace.
   */
  traceContext: TraceContext | undefined;
}

/** A sync tool's handler returns the result; an async tool's callback returns nothing (B16). */
export type ToolHandler<Args> = (
  args: Args,
  context: ToolCallContext,
) => Promise<JsonValue | undefined>;

export interface ToolOptions<Schema extends z.ZodType> {
  /** The name the model calls the tool by: letters, digits, `_` and `-`, at most 64. */
  name: string;
  /** Tells the model what the tool does and when to call it. */
  description: string;
  /** The arguments; invalid arguments go back to the model as a tool error, never to the handler. */
  args: Schema;
  /**
   * For a sync tool, executes the call and returns its result. For an async tool, notifies
   * whoever will answer later through AddToolResult / AddToolError (B16).
   */
  handler: ToolHandler<z.infer<Schema>>;
  /** @default "sync" */
  kind?: ToolKind;
  /** Retries of failed sync executions (B15); off unless given. */
  retry?: ToolRetryPolicy;
  /** Decides whether a failure is worth another attempt; without it the default classifier does (B23). */
  shouldRetry?: (error: unknown, context: ToolCallContext) => ToolShouldRetryResult;
  /**
   * Deadline of a call, from its creation (B18).
   * @default 1_800_000 (30 minutes)
   */
  timeoutMs?: number;
}

/** A tool ready to be served; produced by {@link defineTool}. */
export interface ToolDefinition<Args = unknown> {
  readonly name: string;
  readonly description: string;
  readonly kind: ToolKind;
  /** The JSON Schema of the arguments, for the model and for RegisterTools. */
  readonly inputSchema: { [key: string]: JsonValue };
  readonly retry: ToolRetryPolicy | undefined;
  readonly timeoutMs: number | undefined;
  /** Validates raw arguments from the model. */
  parseArgs(raw: unknown): { success: true; args: Args } | { success: false; error: string };
  /**
   * Runs a call with the arguments `parseArgs` accepted. A method, not a function property: its
   * parameter is then checked bivariantly, so a typed tool fits a `ToolDefinition[]` such as
   * `createServer({ tools })` (only ever called with what its own `parseArgs` returned).
   */
  handler(args: Args, context: ToolCallContext): Promise<JsonValue | undefined>;
  readonly shouldRetry: ToolOptions<z.ZodType>["shouldRetry"];
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Thrown by {@link defineTool} for a definition that can never work. */
export class InvalidToolDefinitionError extends Error {
  override readonly name = "InvalidToolDefinitionError";
}

export function isInvalidToolDefinitionError(error: unknown): error is InvalidToolDefinitionError {
  return error instanceof InvalidToolDefinitionError;
}

/** Describes a tool once, for every place it may run. */
export function defineTool<Schema extends z.ZodType>(
  options: ToolOptions<Schema>,
): ToolDefinition<z.infer<Schema>> {
  if (!TOOL_NAME.test(options.name)) {
    throw new InvalidToolDefinitionError(
      `Tool name "${options.name}" must be 1–64 letters, digits, '_' or '-'`,
    );
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new InvalidToolDefinitionError(
      `Tool "${options.name}" has a non-positive timeoutMs (${options.timeoutMs})`,
    );
  }
  const schema = options.args;
  return {
    name: options.name,
    description: options.description,
    kind: options.kind ?? "sync",
    inputSchema: z.toJSONSchema(schema) as { [key: string]: JsonValue },
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    parseArgs(raw) {
      const parsed = schema.safeParse(raw);
      if (parsed.success) return { success: true, args: parsed.data };
      return {
        success: false,
        error: `Invalid arguments for tool ${options.name}: ${z.prettifyError(parsed.error)}`,
      };
    },
    handler: options.handler,
    shouldRetry: options.shouldRetry,
  };
}
