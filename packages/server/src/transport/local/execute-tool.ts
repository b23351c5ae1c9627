// One execution of a tool defined with defineTool: arguments validated (invalid ones go back to
// the model as a tool error, never to the handler), the handler run with the call's context and
// AbortSignal, and its failure described for the server's retry decision (B15, B16, B23).
import { errorTextOf } from "@durable-agents/core";
import type { JsonValue, ToolDefinition } from "@durable-agents/tool-runner";
import type { ToolFailure, ToolTask } from "../tool-transport.js";

export type ExecutionResult =
  | { type: "result"; value: JsonValue }
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

export async function executeTool(
  tool: ToolDefinition | undefined,
  task: ToolTask,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  if (tool === undefined) {
    return {
      type: "failed",
      failure: { message: `No runner serves tool "${task.toolName}"`, retryableHint: false },
    };
  }
  const parsed = tool.parseArgs(task.args);
  if (!parsed.success)
    return { type: "failed", failure: { message: parsed.error, invalidArgs: true } };
  const context = {
    threadId: task.threadId,
    toolCallId: task.toolCallId,
    toolName: task.toolName,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    idempotencyKey: `${task.threadId}:${task.toolCallId}`,
    signal,
  };
  try {
    const value = await tool.handler(parsed.args, context);
    if (task.kind === "async") return { type: "delivered" };
    return { type: "result", value: value ?? null };
  } catch (error: unknown) {
    const failure = describeFailure(error);
    const verdict = tool.shouldRetry?.(error, context);
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
