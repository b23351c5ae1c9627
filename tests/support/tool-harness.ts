// Tools of a test's own under the demo agent's tool names, so the demo model (DESIGN §8) calls them
// deterministically: `get_weather` (sync) for "weather in <City>", `request_approval` (async) for
// "approve". The handlers are the test's; the server runs them in-process like any defined tool.
import type { Client } from "@connectrpc/connect";
import {
  type StreamService,
  type ThreadService,
  type ToolCall,
  ToolCallStatus,
} from "@durable-agents/core/proto";
import {
  defineTool,
  type JsonValue,
  type ToolCallContext,
  type ToolDefinition,
  type ToolOptions,
} from "@durable-agents/tool-runner";
import { z } from "zod";

const weatherArgs = z.object({ location: z.string() });
const approvalArgs = z.object({ request: z.string() });

type ExtraOptions = Pick<ToolOptions<z.ZodType>, "retry" | "shouldRetry" | "timeoutMs">;

/** One execution a tool's handler saw. */
export interface ToolExecution<Args> {
  args: Args;
  context: ToolCallContext;
  /** Date.now() when the handler started. */
  startedAt: number;
}

/** A sync `get_weather` whose handler is the test's; every execution is recorded. */
export function weatherTool(
  handler: (args: { location: string }, context: ToolCallContext) => Promise<JsonValue>,
  options: ExtraOptions = {},
): { tool: ToolDefinition; executions: ToolExecution<{ location: string }>[] } {
  const executions: ToolExecution<{ location: string }>[] = [];
  const tool = defineTool({
    name: "get_weather",
    description: "Get the current weather for a city.",
    args: weatherArgs,
    kind: "sync",
    ...options,
    handler: async (args, context) => {
      executions.push({ args, context, startedAt: Date.now() });
      return handler(args, context);
    },
  });
  return { tool: tool as ToolDefinition, executions };
}

/** An async `request_approval` whose callback is the test's; every notification is recorded. */
export function approvalTool(
  callback: (args: { request: string }, context: ToolCallContext) => Promise<void>,
  options: ExtraOptions = {},
): { tool: ToolDefinition; executions: ToolExecution<{ request: string }>[] } {
  const executions: ToolExecution<{ request: string }>[] = [];
  const tool = defineTool({
    name: "request_approval",
    description: "Ask a human to approve a request; the answer arrives later.",
    args: approvalArgs,
    kind: "async",
    ...options,
    handler: async (args, context) => {
      executions.push({ args, context, startedAt: Date.now() });
      await callback(args, context);
      return undefined;
    },
  });
  return { tool: tool as ToolDefinition, executions };
}

/** An error as an HTTP client library throws it: a message and a status (B23 reads the status). */
export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

/** An error as Node's sockets throw it: a message and a code (B23 reads the code). */
export function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Resolves once `signal` aborts, with its reason's message. */
export function whenAborted(signal: AbortSignal): Promise<string> {
  const reasonText = () =>
    signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  if (signal.aborted) return Promise.resolve(reasonText());
  return new Promise((resolve) => {
    signal.addEventListener("abort", () => resolve(reasonText()), { once: true });
  });
}

/** Creates a thread of `agent` with `prompt` and returns its id. */
export async function startThread(
  threads: Client<typeof ThreadService>,
  prompt: string,
  agent = "demo",
): Promise<string> {
  const { thread } = await threads.createThread({ agent, prompt });
  if (thread === undefined) throw new Error("CreateThread returned no thread");
  return thread.threadId;
}

/** The only tool call of a thread, for tests whose conversation makes exactly one. */
export function onlyCall(calls: readonly ToolCall[]): ToolCall {
  const [call, ...others] = calls;
  if (call === undefined || others.length > 0)
    throw new Error(`expected exactly one tool call, got ${calls.length}`);
  return call;
}

/**
 * Waits, by watching the thread (WatchThread: its snapshot, then tool call events), until the tool
 * call satisfies `accept`; fails at the deadline.
 */
export async function waitForToolCall(
  streams: Client<typeof StreamService>,
  threadId: string,
  toolCallId: string,
  accept: (call: ToolCall) => boolean,
  timeoutMs = 10_000,
): Promise<ToolCall> {
  const done = new AbortController();
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([done.signal, deadline]);
  let last: ToolCall | undefined;
  try {
    for await (const { event } of streams.watchThread({ threadId }, { signal })) {
      const calls =
        event.case === "snapshot"
          ? event.value.toolCalls
          : event.case === "toolCall"
            ? [event.value]
            : [];
      for (const call of calls) {
        if (call.toolCallId !== toolCallId) continue;
        last = call;
        if (accept(call)) return call;
      }
    }
  } catch (error: unknown) {
    if (!deadline.aborted) throw error;
  } finally {
    done.abort();
  }
  throw new Error(
    `tool call ${toolCallId} of ${threadId} did not reach the expected state within ${timeoutMs} ms; last ${
      last === undefined ? "none" : `${ToolCallStatus[last.status]} attempt ${last.attempt}`
    }`,
  );
}
