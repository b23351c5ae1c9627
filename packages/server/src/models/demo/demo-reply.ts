// What the demo model answers to a prompt (DESIGN §8), decided as data so that `doGenerate` and
// `doStream` give the same answer and tests can check it without a stream.
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
  LanguageModelV3ToolResultPart,
} from "@ai-sdk/provider";
import { GET_WEATHER_TOOL_NAME, REQUEST_APPROVAL_TOOL_NAME } from "@durable-agents/tool-runner";
import { parseWeatherCity } from "./weather-city.js";

/** The demo model's answer: streamed text, or one tool call. */
export type DemoReply =
  | { type: "text"; text: string }
  | { type: "tool-call"; toolCallId: string; toolName: string; input: Record<string, string> };

/** The prompt and the tool offer of one model call. */
export type DemoCall = Pick<LanguageModelV3CallOptions, "prompt" | "tools" | "toolChoice">;

const APPROVE = /approve/iu;

/**
 * The demo's answer (§8): to the tool outcomes when the last message holds them, otherwise to the
 * text of the last user message. Tools are only called when the call offers them, as a real model
 * would, so the demo model also works for agents without the demo tools.
 */
export function planDemoReply(call: DemoCall): DemoReply {
  const { prompt } = call;
  const lastMessage = prompt.at(-1);
  if (lastMessage?.role === "tool") {
    const results = lastMessage.content.filter(
      (part): part is LanguageModelV3ToolResultPart => part.type === "tool-result",
    );
    if (results.length > 0) {
      return {
        type: "text",
        text: results.map((part) => answerToolResult(part, prompt)).join("\n"),
      };
    }
  }
  const message = lastUserText(prompt);
  const city = parseWeatherCity(message);
  if (city !== undefined && isToolOffered(call, GET_WEATHER_TOOL_NAME)) {
    return toolCall(prompt, GET_WEATHER_TOOL_NAME, { location: city });
  }
  if (APPROVE.test(message) && isToolOffered(call, REQUEST_APPROVAL_TOOL_NAME)) {
    return toolCall(prompt, REQUEST_APPROVAL_TOOL_NAME, { request: message });
  }
  return { type: "text", text: `You said: ${message}` };
}

/** The text of the last user message, its text parts joined by newlines; "" when there is none. */
export function lastUserText(prompt: LanguageModelV3Prompt): string {
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index];
    if (message?.role !== "user") continue;
    return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  }
  return "";
}

function isToolOffered(call: DemoCall, toolName: string): boolean {
  if (call.toolChoice?.type === "none") return false;
  return (call.tools ?? []).some((tool) => tool.name === toolName);
}

/**
 * A tool call whose id is fixed by its position in the conversation: the n-th tool call of a
 * thread is `demo_call_<n>`, so ids are deterministic and unique within a thread (B6).
 */
function toolCall(
  prompt: LanguageModelV3Prompt,
  toolName: string,
  input: Record<string, string>,
): DemoReply {
  const priorCalls = prompt
    .filter((message) => message.role === "assistant")
    .flatMap((message) => message.content)
    .filter((part) => part.type === "tool-call").length;
  return { type: "tool-call", toolCallId: `demo_call_${priorCalls + 1}`, toolName, input };
}

function answerToolResult(result: LanguageModelV3ToolResultPart, prompt: LanguageModelV3Prompt) {
  const outcome = describeOutput(result.output);
  switch (result.toolName) {
    case GET_WEATHER_TOOL_NAME: {
      const city = weatherCityOfCall(prompt, result.toolCallId);
      return outcome.ok
        ? `The weather in ${city} is sunny, 22°C.`
        : `Could not get the weather in ${city}: ${outcome.error}`;
    }
    case REQUEST_APPROVAL_TOOL_NAME:
      return outcome.ok ? `Approval result: ${outcome.json}` : `Approval failed: ${outcome.error}`;
    default:
      return outcome.ok
        ? `Tool ${result.toolName} returned: ${outcome.json}`
        : `Tool ${result.toolName} failed: ${outcome.error}`;
  }
}

/** The `location` the matching get_weather call asked for (§8 answers with the call's city). */
function weatherCityOfCall(prompt: LanguageModelV3Prompt, toolCallId: string): string {
  for (const message of prompt) {
    if (message.role !== "assistant") continue;
    for (const part of message.content) {
      if (part.type !== "tool-call" || part.toolCallId !== toolCallId) continue;
      const input: unknown = part.input;
      if (typeof input === "object" && input !== null && "location" in input) {
        const { location } = input;
        if (typeof location === "string") return location;
      }
    }
  }
  return "the requested location";
}

function textOfContent(
  content: Extract<LanguageModelV3ToolResultOutput, { type: "content" }>["value"],
) {
  return content.flatMap((item) => (item.type === "text" ? [item.text] : [])).join("");
}

type OutputDescription = { ok: true; json: string } | { ok: false; error: string };

/** A tool outcome as the model reads it: the result's JSON, or the error's text. */
function describeOutput(output: LanguageModelV3ToolResultOutput): OutputDescription {
  switch (output.type) {
    case "json":
    case "text":
      return { ok: true, json: JSON.stringify(output.value) };
    case "content":
      return { ok: true, json: JSON.stringify(textOfContent(output.value)) };
    case "error-text":
      return { ok: false, error: output.value };
    case "error-json":
      return {
        ok: false,
        error: typeof output.value === "string" ? output.value : JSON.stringify(output.value),
      };
    case "execution-denied":
      return { ok: false, error: output.reason ?? "execution denied" };
  }
}
