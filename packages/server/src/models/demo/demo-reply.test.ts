import type { LanguageModelV3Prompt, LanguageModelV3ToolResultOutput } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { lastUserText, planDemoReply } from "./demo-reply.js";

const tools = ["get_weather", "request_approval"].map((name) => ({
  type: "function" as const,
  name,
  inputSchema: { type: "object" as const },
}));

function afterToolCall(
  toolName: string,
  input: unknown,
  output: LanguageModelV3ToolResultOutput,
): LanguageModelV3Prompt {
  return [
    { role: "user", content: [{ type: "text", text: "question" }] },
    {
      role: "assistant",
      content: [{ type: "tool-call", toolCallId: "demo_call_1", toolName, input }],
    },
    {
      role: "tool",
      content: [{ type: "tool-result", toolCallId: "demo_call_1", toolName, output }],
    },
  ];
}

describe("planDemoReply (DESIGN §8)", () => {
  it("answers a denied approval with the reason", () => {
    const prompt = afterToolCall(
      "request_approval",
      { request: "approve" },
      { type: "execution-denied", reason: "not allowed" },
    );
    expect(planDemoReply({ prompt, tools })).toEqual({
      type: "text",
      text: "Approval failed: not allowed",
    });
  });

  it("answers a JSON error of an approval with its JSON", () => {
    const prompt = afterToolCall(
      "request_approval",
      { request: "approve" },
      { type: "error-json", value: { code: 403 } },
    );
    expect(planDemoReply({ prompt, tools })).toEqual({
      type: "text",
      text: 'Approval failed: {"code":403}',
    });
  });

  it("answers any other tool with its result", () => {
    const prompt = afterToolCall("lookup", {}, { type: "json", value: [1, 2] });
    expect(planDemoReply({ prompt, tools })).toEqual({
      type: "text",
      text: "Tool lookup returned: [1,2]",
    });
  });

  it("answers every result of a parallel tool message, one per line", () => {
    const prompt: LanguageModelV3Prompt = [
      { role: "user", content: [{ type: "text", text: "two things" }] },
      {
        role: "assistant",
        content: [
          {
            type: "tool-call",
            toolCallId: "a",
            toolName: "get_weather",
            input: { location: "Oslo" },
          },
          {
            type: "tool-call",
            toolCallId: "b",
            toolName: "get_weather",
            input: { location: "Rome" },
          },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "a",
            toolName: "get_weather",
            output: { type: "json", value: {} },
          },
          {
            type: "tool-result",
            toolCallId: "b",
            toolName: "get_weather",
            output: { type: "json", value: {} },
          },
        ],
      },
    ];
    expect(planDemoReply({ prompt, tools })).toEqual({
      type: "text",
      text: "The weather in Oslo is sunny, 22°C.\nThe weather in Rome is sunny, 22°C.",
    });
  });

  it("echoes an empty message when the prompt has no user message", () => {
    expect(planDemoReply({ prompt: [{ role: "system", content: "hi" }], tools })).toEqual({
      type: "text",
      text: "You said: ",
    });
  });

  it("reads the user's text parts, joined by newlines, ignoring files", () => {
    expect(
      lastUserText([
        {
          role: "user",
          content: [
            { type: "text", text: "first line" },
            { type: "file", data: "aGk=", mediaType: "text/plain" },
            { type: "text", text: "second line" },
          ],
        },
      ]),
    ).toBe("first line\nsecond line");
  });
});
