// The `stepper` agent of the crash tests: a model on the fake OpenAI-compatible server that calls
// the fixture's sync tool `record_step` once, then answers the tool's result with fixed text, so
// a test can kill the server around the tool and compare the conversation exactly.
import { ThreadStatus } from "@durable-agents/core/proto";
import type { FakeOpenAI, PlannedResponse } from "../../support/fake-openai.js";
import { hasStatus, waitForThread } from "../../support/wait.js";
import { type ChildServer, startChildServer } from "./child-server.js";
import { waitForLines } from "./file-lines.js";

/** Whether a chat completions request carries a tool result. */
export function hasToolResult(body: unknown): boolean {
  if (typeof body !== "object" || body === null || !("messages" in body)) return false;
  const { messages } = body;
  if (!Array.isArray(messages)) return false;
  return messages.some(
    (message: unknown) =>
      typeof message === "object" &&
      message !== null &&
      "role" in message &&
      message.role === "tool",
  );
}

/** Text streamed word by word, like a real model. */
export const words = (text: string): string[] => text.match(/\s+|\S+\s*/gu) ?? [];

/** A config with one agent on the fake OpenAI-compatible server. */
export function fakeAgentConfig(
  openai: FakeOpenAI,
  agent: Record<string, unknown>,
): Record<string, unknown> {
  return {
    providers: { fake: { type: "openai-compatible", baseURL: openai.baseURL, apiKey: "k" } },
    agents: [{ model: "fake:scripted", ...agent }],
  };
}

/**
 * The model's replies: `record_step { step: "one" }` as call `call_1` until the conversation holds
 * the call's outcome, then `answer` (to the outcome, and to any later user message).
 */
export function stepperReplies(answer: string) {
  return ({ body }: { body: unknown }): PlannedResponse =>
    hasToolResult(body)
      ? { stream: words(answer) }
      : {
          stream: [],
          toolCalls: [
            { id: "call_1", name: "record_step", arguments: JSON.stringify({ step: "one" }) },
          ],
        };
}

/** The stepper agent's config on `openai`. */
export function stepperConfig(openai: FakeOpenAI): Record<string, unknown> {
  return fakeAgentConfig(openai, { name: "stepper", tools: ["record_step"] });
}

/**
 * Starts a child server on `store` whose `record_step` blocks until the process dies, opens a
 * stepper thread, and resolves once its turn has ended awaiting the call (B15) and the tool's
 * handler has started: the moment the crash tests kill the server inside a sync tool.
 */
export async function startStepperInsideTool(options: {
  store: string;
  config: Record<string, unknown>;
  toolLog: string;
  deadlineMs: number;
}): Promise<{ server: ChildServer; threadId: string }> {
  const { store, config, toolLog, deadlineMs } = options;
  const server = await startChildServer({
    store,
    config,
    env: { CRASH_TOOL_LOG: toolLog, CRASH_TOOL_BLOCK: "1" },
  });
  const { thread } = await server.threads.createThread({
    agent: "stepper",
    prompt: "record step one",
  });
  const threadId = thread?.threadId ?? "";
  await waitForThread(
    server.streams,
    threadId,
    hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
    deadlineMs,
  );
  await waitForLines(toolLog, (lines) => lines.length > 0, deadlineMs);
  return { server, threadId };
}
