// The steps of the 2-step tool loop as a peer's durable function runs them, each its own durable
// step: an LLM step that ends with a tool call, the tool step (the no-op), and an LLM step that
// answers with 50 deltas — the same instant model and AI SDK `streamText` (read through
// toUIMessageStream) as the in-process floor. Step inputs and outputs are plain JSON, as a
// durable step's journal entry must be.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { jsonSchema, type ModelMessage, streamText, tool } from "ai";
import { ANSWER_DELTA_COUNT, ANSWER_TEXT, NOOP_TOOL_NAME } from "./instant-model.js";

/** The tool call the first LLM step made. */
export interface PeerToolCall {
  toolCallId: string;
  toolName: string;
  input: Record<string, never>;
}

/** `noop` as the model sees it; the peer runs it as its own step, so it has no `execute`. */
const tools = {
  [NOOP_TOOL_NAME]: tool({
    description: "Does nothing.",
    inputSchema: jsonSchema<Record<string, never>>({ type: "object", properties: {} }),
  }),
};

/** LLM step 1: the model's turn on the prompt, which must end with one call of `noop`. */
export async function llmToolCallStep(
  model: LanguageModelV3,
  prompt: string,
): Promise<PeerToolCall> {
  const result = streamText({ model, tools, prompt });
  let call: PeerToolCall | undefined;
  for await (const chunk of result.toUIMessageStream()) {
    if (chunk.type === "tool-input-available") {
      call = { toolCallId: chunk.toolCallId, toolName: chunk.toolName, input: {} };
    }
  }
  if (call === undefined) throw new Error("the first LLM step made no tool call");
  return call;
}

/** The tool step: what `noop` does. */
export async function noopToolStep(): Promise<Record<string, never>> {
  return {};
}

/** LLM step 2: the model's answer once it has the tool's result, read delta by delta. */
export async function llmAnswerStep(
  model: LanguageModelV3,
  prompt: string,
  call: PeerToolCall,
  output: Record<string, never>,
): Promise<string> {
  const messages: ModelMessage[] = [
    { role: "user", content: prompt },
    {
      role: "assistant",
      content: [{ type: "tool-call", ...call }],
    },
    {
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: { type: "json", value: output },
        },
      ],
    },
  ];
  const result = streamText({ model, tools, messages });
  let text = "";
  let deltas = 0;
  for await (const chunk of result.toUIMessageStream()) {
    if (chunk.type !== "text-delta") continue;
    text += chunk.delta;
    deltas += 1;
  }
  if (deltas !== ANSWER_DELTA_COUNT || text !== ANSWER_TEXT) {
    throw new Error(`the answer step streamed ${deltas} deltas: ${text}`);
  }
  return text;
}
