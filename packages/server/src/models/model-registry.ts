// Resolves an agent's model (DESIGN §5) to an AI SDK language model: "<provider>:<model id>"
// against the configured providers, or a live model object passed in code.

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { ProviderConfig } from "../config/server-config.js";
import { createDemoModel, DEMO_MODEL_ID } from "./demo/demo-model.js";
import { UnknownModelError, UnknownProviderError, UnsupportedModelError } from "./model-errors.js";
import { isLanguageModelV3, parseModelReference } from "./model-reference.js";
import {
  importPackage,
  loadProviderFactory,
  type PackageImporter,
} from "./optional-provider-package.js";

/** What the registry is built from. */
export interface ModelRegistryOptions {
  /** Providers by name, as the resolved configuration holds them (`ServerConfig.providers`). */
  providers: Readonly<Record<string, ProviderConfig>>;
  /**
   * Imports the optional `openai`/`anthropic` provider packages.
   * @default the runtime's dynamic import
   */
  importPackage?: PackageImporter;
  /**
   * The fetch HTTP providers use (proxies, tests).
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
}

/** Resolves model references to language models. */
export interface ModelRegistry {
  /** Names of the configured providers. */
  readonly providerNames: readonly string[];
  /**
   * The language model for `"<provider>:<model id>"`, or the given live model itself. Throws
   * InvalidModelReferenceError, UnknownProviderError, UnknownModelError or UnsupportedModelError.
   */
  languageModel(model: string | LanguageModelV3): LanguageModelV3;
}

/** Makes the language models of one provider. */
type ModelFactory = (modelId: string) => LanguageModelV3;

/**
 * Builds the registry. Async because optional provider packages are imported here, at start-up,
 * so a missing package stops the server with a ProviderPackageError before any turn runs.
 */
export async function createModelRegistry(options: ModelRegistryOptions): Promise<ModelRegistry> {
  const factories = new Map<string, ModelFactory>();
  for (const [name, provider] of Object.entries(options.providers)) {
    factories.set(name, await createModelFactory(name, provider, options));
  }
  const models = new Map<string, LanguageModelV3>();
  const providerNames = [...factories.keys()];

  return {
    providerNames,
    languageModel(model) {
      if (typeof model !== "string") {
        if (!isLanguageModelV3(model)) throw new UnsupportedModelError("The model object");
        return model;
      }
      const cached = models.get(model);
      if (cached !== undefined) return cached;
      const { provider, modelId } = parseModelReference(model);
      const factory = factories.get(provider);
      if (factory === undefined) throw new UnknownProviderError(provider, model, providerNames);
      const languageModel = factory(modelId);
      models.set(model, languageModel);
      return languageModel;
    },
  };
}

async function createModelFactory(
  name: string,
  provider: ProviderConfig,
  options: ModelRegistryOptions,
): Promise<ModelFactory> {
  switch (provider.type) {
    case "demo": {
      const model = createDemoModel({ chunkDelayMs: provider.chunkDelayMs });
      return (modelId) => {
        if (modelId !== DEMO_MODEL_ID) throw new UnknownModelError(name, modelId, [DEMO_MODEL_ID]);
        return model;
      };
    }
    case "openai-compatible": {
      const openAICompatible = createOpenAICompatible({
        // Usage in streamed responses is off by default in the OpenAI API; B24 records it.
        includeUsage: true,
        ...provider.settings,
        name,
        baseURL: provider.baseURL,
        apiKey: provider.apiKey,
        fetch: options.fetch,
      });
      return (modelId) => openAICompatible.chatModel(modelId);
    }
    case "openai":
    case "anthropic": {
      const createProvider = await loadProviderFactory(
        name,
        provider.type,
        options.importPackage ?? importPackage,
      );
      const instance: unknown = createProvider({
        ...provider.settings,
        ...(provider.baseURL === undefined ? {} : { baseURL: provider.baseURL }),
        ...(provider.apiKey === undefined ? {} : { apiKey: provider.apiKey }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      });
      return (modelId) => {
        const model: unknown =
          typeof instance === "function"
            ? Reflect.apply(instance, undefined, [modelId])
            : undefined;
        if (!isLanguageModelV3(model)) {
          throw new UnsupportedModelError(
            `Model "${modelId}" of provider "${name}" (${provider.type})`,
          );
        }
        return model;
      };
    }
  }
}
