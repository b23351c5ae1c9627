// Model references (DESIGN §5): "<provider>:<model id>", or a live AI SDK model passed in code.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { InvalidModelReferenceError } from "./model-errors.js";

/** A model reference split into its provider name and the provider's model id. */
export interface ModelReference {
  provider: string;
  modelId: string;
}

/**
 * Splits "<provider>:<model id>" at the first colon, so model ids may hold colons themselves
 * ("local:llama3:8b" → provider "local", model "llama3:8b").
 */
export function parseModelReference(reference: string): ModelReference {
  const colon = reference.indexOf(":");
  const provider = reference.slice(0, colon);
  const modelId = reference.slice(colon + 1);
  if (colon < 0 || provider.trim() === "" || modelId.trim() === "") {
    throw new InvalidModelReferenceError(reference);
  }
  return { provider, modelId };
}

/** isLanguageModelV3 tells an AI SDK 6 language model object apart from anything else. */
export function isLanguageModelV3(value: unknown): value is LanguageModelV3 {
  if (typeof value !== "object" || value === null) return false;
  const candidate: Partial<Record<keyof LanguageModelV3, unknown>> = value;
  return (
    candidate.specificationVersion === "v3" &&
    typeof candidate.doGenerate === "function" &&
    typeof candidate.doStream === "function"
  );
}
