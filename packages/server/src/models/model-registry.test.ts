import { generateText } from "ai";
import { describe, expect, it } from "vitest";
import { resolveServerConfig } from "../config/resolve-config.js";
import type { ProviderConfig } from "../config/server-config.js";
import { createDemoModel } from "./demo/demo-model.js";
import {
  isProviderPackageError,
  isUnknownModelError,
  isUnknownProviderError,
  isUnsupportedModelError,
} from "./model-errors.js";
import { createModelRegistry } from "./model-registry.js";

const demo: ProviderConfig = { type: "demo", chunkDelayMs: 0 };

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error: unknown) {
    return error;
  }
  throw new Error("expected the action to throw");
}

async function caughtAsync(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error: unknown) {
    return error;
  }
  throw new Error("expected the action to reject");
}

interface CapturedRequest {
  url: string;
  authorization: string | null;
  body: unknown;
}

/** A fetch that answers every chat completion with "hello" and records the requests. */
function fakeChatCompletions(requests: CapturedRequest[]): typeof globalThis.fetch {
  return async (input, init) => {
    requests.push({
      url: String(input),
      authorization: new Headers(init?.headers).get("authorization"),
      body: JSON.parse(String(init?.body)),
    });
    return Response.json({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 0,
      model: "my-model",
      choices: [
        { index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
  };
}

/** The error Node raises when a package is not installed. */
function moduleNotFound(packageName: string): Error {
  return Object.assign(
    new Error(`Cannot find package '${packageName}' imported from /srv/registry.js`),
    { code: "ERR_MODULE_NOT_FOUND" },
  );
}

describe("createModelRegistry: demo", () => {
  it("resolves demo:echo to the demo model, once per reference", async () => {
    const registry = await createModelRegistry({ providers: { demo } });
    const model = registry.languageModel("demo:echo");
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual([
      "demo",
      "echo",
      "v3",
    ]);
    expect(registry.languageModel("demo:echo")).toBe(model);
    expect(registry.providerNames).toEqual(["demo"]);
  });

  it("uses the configured chunk delay", async () => {
    const registry = await createModelRegistry({ providers: { demo } });
    const result = await generateText({ model: registry.languageModel("demo:echo"), prompt: "x" });
    expect(result.text).toBe("You said: x");
  });

  it("refuses a model the demo provider does not have", async () => {
    const registry = await createModelRegistry({ providers: { demo } });
    const error = caught(() => registry.languageModel("demo:gpt-5"));
    expect(isUnknownModelError(error)).toBe(true);
    expect(error).toMatchObject({
      name: "UnknownModelError",
      message: 'Unknown model "gpt-5" of provider "demo"; its models: echo',
    });
  });
});

describe("createModelRegistry: references and live models", () => {
  it("refuses an unknown provider, naming it and the configured ones", async () => {
    const registry = await createModelRegistry({ providers: { demo } });
    const error = caught(() => registry.languageModel("mystery:model-1"));
    expect(isUnknownProviderError(error)).toBe(true);
    expect(error).toMatchObject({
      name: "UnknownProviderError",
      provider: "mystery",
      message: 'Unknown provider "mystery" in model "mystery:model-1"; configured providers: demo',
    });
  });

  it("says so when no provider is configured", async () => {
    const registry = await createModelRegistry({ providers: {} });
    expect(caught(() => registry.languageModel("demo:echo"))).toMatchObject({
      message: 'Unknown provider "demo" in model "demo:echo"; configured providers: none',
    });
  });

  it("refuses a reference without a provider", async () => {
    const registry = await createModelRegistry({ providers: { demo } });
    expect(caught(() => registry.languageModel("echo"))).toMatchObject({
      name: "InvalidModelReferenceError",
    });
  });

  it("passes a live AI SDK model through", async () => {
    const registry = await createModelRegistry({ providers: {} });
    const live = createDemoModel({ chunkDelayMs: 0 });
    expect(registry.languageModel(live)).toBe(live);
  });

  it("refuses a model object of another specification version", async () => {
    const registry = await createModelRegistry({ providers: {} });
    const legacy = { ...createDemoModel(), specificationVersion: "v2" };
    // @ts-expect-error a v2 model, as untyped JavaScript could pass one
    const error = caught(() => registry.languageModel(legacy));
    expect(isUnsupportedModelError(error)).toBe(true);
    expect(error).toMatchObject({
      message:
        'The model object is not an AI SDK 6 language model (specificationVersion "v3" with doGenerate and doStream)',
    });
  });
});

describe("createModelRegistry: openai-compatible", () => {
  const local: ProviderConfig = {
    type: "openai-compatible",
    baseURL: "http://127.0.0.1:8080/v1",
    apiKey: "sk-local",
    apiKeyEnv: undefined,
    settings: {},
  };

  it("creates a chat model named after the provider", async () => {
    const registry = await createModelRegistry({ providers: { local } });
    const model = registry.languageModel("local:my-model");
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual([
      "local.chat",
      "my-model",
      "v3",
    ]);
  });

  it("calls the base URL with the API key as a bearer token", async () => {
    const requests: CapturedRequest[] = [];
    const registry = await createModelRegistry({
      providers: { local },
      fetch: fakeChatCompletions(requests),
    });
    const result = await generateText({
      model: registry.languageModel("local:my-model"),
      prompt: "hi",
    });
    expect(result.text).toBe("hello");
    expect(requests).toMatchObject([
      {
        url: "http://127.0.0.1:8080/v1/chat/completions",
        authorization: "Bearer sk-local",
        body: { model: "my-model", messages: [{ role: "user", content: "hi" }] },
      },
    ]);
  });

  it("sends the key read from apiKeyEnv", async () => {
    const config = resolveServerConfig({
      file: {
        path: "agents.yaml",
        data: {
          providers: {
            local: {
              type: "openai-compatible",
              baseURL: "http://127.0.0.1:8080/v1",
              apiKeyEnv: "LOCAL_API_KEY",
            },
          },
        },
      },
      env: { LOCAL_API_KEY: "sk-from-env" },
      args: {},
    });
    const requests: CapturedRequest[] = [];
    const registry = await createModelRegistry({
      providers: config.providers,
      fetch: fakeChatCompletions(requests),
    });
    await generateText({ model: registry.languageModel("local:m"), prompt: "hi" });
    expect(requests.map((request) => request.authorization)).toEqual(["Bearer sk-from-env"]);
  });
});

describe("createModelRegistry: optional provider packages", () => {
  const openai: ProviderConfig = {
    type: "openai",
    baseURL: undefined,
    apiKey: "sk-openai",
    apiKeyEnv: undefined,
    settings: { organization: "org-1" },
  };

  it("names the missing package", async () => {
    const error = await caughtAsync(() =>
      createModelRegistry({
        providers: { oa: openai },
        importPackage: async (name) => {
          throw moduleNotFound(name);
        },
      }),
    );
    expect(isProviderPackageError(error)).toBe(true);
    expect(error).toMatchObject({
      name: "ProviderPackageError",
      packageName: "@ai-sdk/openai",
      problem: "missing",
      message:
        'Provider "oa" needs the package @ai-sdk/openai, which is not installed; install it next to @durable-agents/server (e.g. pnpm add @ai-sdk/openai)',
    });
  });

  it("keeps the cause when a present package fails to load", async () => {
    const failure = moduleNotFound("some-dependency");
    const error = await caughtAsync(() =>
      createModelRegistry({
        providers: { claude: { ...openai, type: "anthropic", settings: {} } },
        importPackage: async () => {
          throw failure;
        },
      }),
    );
    expect(error).toMatchObject({
      packageName: "@ai-sdk/anthropic",
      problem: "load-failed",
      cause: failure,
    });
  });

  it("refuses a package without the provider factory", async () => {
    const error = await caughtAsync(() =>
      createModelRegistry({ providers: { oa: openai }, importPackage: async () => ({}) }),
    );
    expect(error).toMatchObject({ problem: "incompatible", packageName: "@ai-sdk/openai" });
  });

  it("creates models with the package's factory and the configured settings", async () => {
    const settingsSeen: unknown[] = [];
    const registry = await createModelRegistry({
      providers: { oa: { ...openai, baseURL: "https://proxy.example/v1" } },
      importPackage: async (name) => ({
        [name === "@ai-sdk/openai" ? "createOpenAI" : "unused"]: (settings: unknown) => {
          settingsSeen.push(settings);
          return (modelId: string) => ({ ...createDemoModel(), modelId });
        },
      }),
    });
    expect(registry.languageModel("oa:gpt-5").modelId).toBe("gpt-5");
    expect(settingsSeen).toEqual([
      { organization: "org-1", baseURL: "https://proxy.example/v1", apiKey: "sk-openai" },
    ]);
  });

  it("refuses a model of an older specification from the package", async () => {
    const registry = await createModelRegistry({
      providers: { oa: openai },
      importPackage: async () => ({
        createOpenAI: () => () => ({ ...createDemoModel(), specificationVersion: "v2" }),
      }),
    });
    expect(caught(() => registry.languageModel("oa:gpt-4"))).toMatchObject({
      name: "UnsupportedModelError",
      message:
        'Model "gpt-4" of provider "oa" (openai) is not an AI SDK 6 language model (specificationVersion "v3" with doGenerate and doStream)',
    });
  });
});
