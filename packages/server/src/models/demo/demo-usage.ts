// Token usage of the demo model (DESIGN §8): characters / 4, rounded up, so usage tracking (B24)
// shows real numbers offline.
import type {
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";

const CHARACTERS_PER_TOKEN = 4;

/** Tokens the demo model counts for a text: its characters (code points) / 4, rounded up. */
function estimateTokens(text: string): number {
  let characters = 0;
  for (const _codePoint of text) characters++;
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/**
 * The text a model reads from a prompt: system and user text, assistant text and reasoning, tool
 * call inputs and tool outcomes as JSON (or their text), concatenated without separators. Files
 * are not text and do not count.
 */
function promptText(prompt: LanguageModelV3Prompt): string {
  const pieces: string[] = [];
  for (const message of prompt) {
    if (message.role === "system") {
      pieces.push(message.content);
      continue;
    }
    for (const part of message.content) {
      switch (part.type) {
        case "text":
        case "reasoning":
          pieces.push(part.text);
          break;
        case "tool-call":
          pieces.push(JSON.stringify(part.input) ?? "");
          break;
        case "tool-result":
          pieces.push(outputText(part.output));
          break;
      }
    }
  }
  return pieces.join("");
}

function outputText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case "text":
    case "error-text":
      return output.value;
    case "json":
    case "error-json":
      return JSON.stringify(output.value);
    case "execution-denied":
      return output.reason ?? "";
    case "content":
      return output.value.flatMap((item) => (item.type === "text" ? [item.text] : [])).join("");
  }
}

/** The usage of one demo response: input from the prompt text, output from the generated text. */
export function demoUsage(
  prompt: LanguageModelV3Prompt,
  generatedText: string,
): LanguageModelV3Usage {
  const inputTokens = estimateTokens(promptText(prompt));
  const outputTokens = estimateTokens(generatedText);
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}
