import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { demoUsage } from "./demo-usage.js";

function inputTokens(prompt: LanguageModelV3Prompt): number | undefined {
  return demoUsage(prompt, "").inputTokens.total;
}

describe("demoUsage (DESIGN §8: characters / 4, rounded up)", () => {
  it.each([
    ["", 0],
    ["a", 1],
    ["abcd", 1],
    ["abcde", 2],
    ["You said: hello", 4],
  ])("counts %j as %i output tokens", (text, tokens) => {
    expect(demoUsage([], text).outputTokens).toEqual({ total: tokens, text: tokens, reasoning: 0 });
  });

  it("counts characters, not UTF-16 units", () => {
    // four emoji are 8 UTF-16 units but 4 characters
    expect(demoUsage([], "🌞🌞🌞🌞").outputTokens.total).toBe(1);
  });

  it("reads every text the model sees: system, user, assistant, tool calls and results", () => {
    const prompt: LanguageModelV3Prompt = [
      { role: "system", content: "Be nice." }, // 8
      {
        role: "user",
        content: [
          { type: "text", text: "weather in Oslo" }, // 15
          { type: "file", data: "aGVsbG8=", mediaType: "text/plain" }, // files do not count
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "reasoning", text: "hmm" }, // 3
          {
            type: "tool-call",
            toolCallId: "c",
            toolName: "get_weather",
            input: { location: "Oslo" },
          }, // 19
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "c",
            toolName: "get_weather",
            output: { type: "json", value: { temperature: 22 } }, // 18
          },
        ],
      },
    ];
    // 8 + 15 + 3 + 19 + 18 = 63 characters → 16 tokens
    expect(demoUsage(prompt, "")).toEqual({
      inputTokens: { total: 16, noCache: 16, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    });
  });

  it("reads error and denial outcomes as text", () => {
    const prompt: LanguageModelV3Prompt = [
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "a",
            toolName: "t",
            output: { type: "error-text", value: "down" },
          },
          {
            type: "tool-result",
            toolCallId: "b",
            toolName: "t",
            output: { type: "execution-denied", reason: "no" },
          },
        ],
      },
    ];
    // "down" + "no" = 6 characters → 2 tokens
    expect(inputTokens(prompt)).toBe(2);
  });
});
