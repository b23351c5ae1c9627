// The `stepper` agent of the crash tests: a model on the fake OpenAI-compatible server that calls
// the fixture's sync tool `record_step` once, then answers the tool's result with fixed text, so
// a test can kill the server around the tool and compare the conversation exactly.
import type { FakeOpenAI, PlannedResponse } from "../../support/fake-openai.js";

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
