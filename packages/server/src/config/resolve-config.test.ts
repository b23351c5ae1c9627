import { describe, expect, it } from "vitest";
import { type ConfigIssue, isConfigError } from "./config-error.js";
import type { Environment, ServeArgs } from "./config-overrides.js";
import { resolveServerConfig } from "./resolve-config.js";
import { createDemoAgentConfig, type ServerConfig } from "./server-config.js";

const FILE = "/etc/durable-agents/agents.yaml";

function resolve(data: unknown, env: Environment = {}, args: ServeArgs = {}): ServerConfig {
  return resolveServerConfig({ file: { path: FILE, data }, env, args });
}

/** The issues of the ConfigError that resolving `data` throws. */
function issuesOf(data: unknown, env: Environment = {}): readonly ConfigIssue[] {
  try {
    resolve(data, env);
  } catch (error: unknown) {
    if (!isConfigError(error)) throw error;
    expect(error.source).toBe(FILE);
    return error.issues;
  }
  throw new Error("expected the configuration to be refused");
}

describe("defaults (DESIGN §5)", () => {
  it("resolves no configuration at all to the embedded default with the demo agent", () => {
    expect(resolveServerConfig({ env: {}, args: {} })).toEqual({
      listen: { host: "127.0.0.1", port: 7700 },
      store: { type: "sqlite", path: "./.durable-agents/agents.db" },
      postgres: { maxConnections: 10 },
      nats: null,
      providers: { demo: { type: "demo", chunkDelayMs: 5 } },
      agents: [createDemoAgentConfig()],
      auth: null,
      insecure: false,
      demo: true,
      limits: {
        maxConcurrentTurns: 100,
        maxConcurrentTools: 32,
        maxRequestBytes: 4_194_304,
        maxPromptChars: 1_000_000,
        maxPartsPerMessage: 1_000,
        maxToolResultBytes: 1_048_576,
        maxMetadataBytes: 16_384,
        maxPageSize: 1_000,
        maxStreamsPerPrincipal: 1_000,
        maxWatchersPerThread: 100,
      },
      logLevel: "info",
      metrics: { enabled: true, listen: null },
      telemetry: { otlpTracesUrl: null, serviceName: "durable-agents" },
      extensions: {},
    } satisfies ServerConfig);
  });

  it("gives the demo agent demo:echo and both demo tools (§8)", () => {
    expect(createDemoAgentConfig()).toMatchObject({
      name: "demo",
      model: "demo:echo",
      tools: ["get_weather", "request_approval"],
      system: expect.stringContaining("demo agent"),
    });
  });

  it("treats an empty file as no configuration", () => {
    expect(resolve(null)).toEqual(resolveServerConfig({ env: {}, args: {} }));
  });

  it("fills in every default of an agent", () => {
    const config = resolve({ agents: [{ name: "assistant", model: "demo:echo" }] });
    expect(config.agents[1]).toEqual({
      name: "assistant",
      model: "demo:echo",
      system: undefined,
      description: "",
      tools: [],
      retry: {},
      toolRetry: undefined,
      streaming: { saveDeltas: true, throttleMs: 250, includeToolInputDeltas: false },
      maxSteps: 20,
      extensions: {},
    });
  });
});

describe("the §5 example", () => {
  const example = {
    listen: "127.0.0.1:7700",
    store: "sqlite:./.durable-agents/agents.db",
    nats: null,
    providers: {
      local: {
        type: "openai-compatible",
        baseURL: "http://127.0.0.1:8080/v1",
        apiKey: "file-key",
        apiKeyEnv: "LOCAL_API_KEY",
      },
    },
    agents: [
      {
        name: "assistant",
        model: "local:my-model",
        system: "You are …",
        tools: ["get_weather"],
        retry: { maxAttempts: 3 },
        streaming: { saveDeltas: true, throttleMs: 250, includeToolInputDeltas: false },
        maxSteps: 20,
      },
    ],
  };

  it("resolves, the demo agent first", () => {
    const config = resolve(example, { LOCAL_API_KEY: "env-key" });
    expect(config.agents.map((agent) => agent.name)).toEqual(["demo", "assistant"]);
    expect(config.agents[1]).toMatchObject({
      model: "local:my-model",
      system: "You are …",
      tools: ["get_weather"],
      retry: { maxAttempts: 3 },
      maxSteps: 20,
    });
    expect(config.providers.local).toEqual({
      type: "openai-compatible",
      baseURL: "http://127.0.0.1:8080/v1",
      apiKey: "env-key",
      apiKeyEnv: "LOCAL_API_KEY",
      settings: {},
    });
  });

  it("falls back to the file's apiKey when the variable is unset", () => {
    expect(resolve(example).providers.local).toMatchObject({ apiKey: "file-key" });
  });

  it("refuses an apiKeyEnv whose variable is unset when there is no apiKey", () => {
    const { apiKey: _, ...withoutKey } = example.providers.local;
    expect(issuesOf({ ...example, providers: { local: withoutKey } })).toEqual([
      {
        path: "providers.local.apiKeyEnv",
        message: "environment variable LOCAL_API_KEY is not set (and no apiKey is given)",
      },
    ]);
  });
});

describe("the demo toggle", () => {
  it("removes the demo provider and agent when demo is false", () => {
    const config = resolve({ demo: false });
    expect([config.demo, config.providers, config.agents]).toEqual([false, {}, []]);
  });

  it("lets a configured agent named demo replace the built-in one", () => {
    const config = resolve({
      agents: [
        { name: "helper", model: "demo:echo" },
        { name: "demo", model: "demo:echo", system: "Mine." },
      ],
    });
    expect(config.agents.map((agent) => [agent.name, agent.system])).toEqual([
      ["helper", undefined],
      ["demo", "Mine."],
    ]);
  });

  it("lets a configured demo provider set the chunk delay", () => {
    const config = resolve({ providers: { demo: { type: "demo", chunkDelayMs: 0 } } });
    expect(config.providers.demo).toEqual({ type: "demo", chunkDelayMs: 0 });
  });

  it("refuses demo:echo when the demo is disabled", () => {
    expect(issuesOf({ demo: false, agents: [{ name: "a", model: "demo:echo" }] })).toEqual([
      { path: "agents[0].model", message: 'unknown provider "demo"; configured providers: none' },
    ]);
  });
});

describe("agents", () => {
  it("keeps retry, tool retry, streaming and extra keys", () => {
    const config = resolve({
      agents: [
        {
          name: "careful",
          model: "demo:echo",
          description: "Retries a lot",
          retry: {
            enabled: true,
            maxAttempts: 5,
            retryAfterToolCalls: true,
            backoff: {
              strategy: "exponential",
              initialDelayMs: 100,
              multiplier: 3,
              maxDelayMs: 900,
            },
          },
          toolRetry: {
            maxAttempts: 4,
            backoff: { strategy: "fixed", delayMs: 50, jitter: "none" },
          },
          streaming: { saveDeltas: false, throttleMs: 0, includeToolInputDeltas: true },
          maxSteps: 3,
          temperature: 0.2,
        },
      ],
    });
    expect(config.agents[1]).toEqual({
      name: "careful",
      model: "demo:echo",
      system: undefined,
      description: "Retries a lot",
      tools: [],
      retry: {
        enabled: true,
        maxAttempts: 5,
        retryAfterToolCalls: true,
        backoff: {
          strategy: "exponential",
          initialDelayMs: 100,
          multiplier: 3,
          maxDelayMs: 900,
          jitter: "full",
        },
      },
      toolRetry: {
        enabled: true,
        maxAttempts: 4,
        backoff: { strategy: "fixed", delayMs: 50, jitter: "none" },
      },
      streaming: { saveDeltas: false, throttleMs: 0, includeToolInputDeltas: true },
      maxSteps: 3,
      extensions: { temperature: 0.2 },
    });
  });

  it("refuses a model of an unknown provider, naming the field and the providers", () => {
    expect(issuesOf({ agents: [{ name: "a", model: "openai:gpt-5" }] })).toEqual([
      { path: "agents[0].model", message: 'unknown provider "openai"; configured providers: demo' },
    ]);
  });

  it("refuses a demo model other than echo", () => {
    expect(issuesOf({ agents: [{ name: "a", model: "demo:gpt" }] })).toEqual([
      {
        path: "agents[0].model",
        message: 'unknown model "gpt" of demo provider "demo"; its model is echo',
      },
    ]);
  });

  it("refuses the same agent name twice", () => {
    expect(
      issuesOf({
        agents: [
          { name: "a", model: "demo:echo" },
          { name: "a", model: "demo:echo" },
        ],
      }),
    ).toEqual([{ path: "agents[1].name", message: 'agent name "a" is used twice' }]);
  });

  it("names every bad field of an agent", () => {
    expect(
      issuesOf({
        agents: [
          {
            name: "bad name",
            model: "echo",
            tools: "get_weather",
            retry: { maxAttempts: 0 },
            streaming: { throttleMs: -1 },
            maxSteps: 1.5,
          },
        ],
      }).map((issue) => issue.path),
    ).toEqual([
      "agents[0].name",
      "agents[0].model",
      "agents[0].tools",
      "agents[0].retry.maxAttempts",
      "agents[0].streaming.throttleMs",
      "agents[0].maxSteps",
    ]);
  });

  it("explains a model reference without a provider", () => {
    expect(issuesOf({ agents: [{ name: "a", model: "gpt-5" }] })).toEqual([
      {
        path: "agents[0].model",
        message: 'must be written "<provider>:<model id>", e.g. "demo:echo"',
      },
    ]);
  });

  it("refuses a backoff whose cap is below its start", () => {
    expect(
      issuesOf({
        agents: [
          {
            name: "a",
            model: "demo:echo",
            retry: {
              backoff: {
                strategy: "exponential",
                initialDelayMs: 500,
                multiplier: 2,
                maxDelayMs: 100,
              },
            },
          },
        ],
      }),
    ).toEqual([
      {
        path: "agents[0].retry.backoff.maxDelayMs",
        message: "maxDelayMs must be at least initialDelayMs",
      },
    ]);
  });
});

describe("top-level fields", () => {
  it("names bad listen, store and nats values", () => {
    expect(issuesOf({ listen: "7700", store: "mysql://x", nats: { url: "http://x" } })).toEqual([
      { path: "listen", message: 'must be HOST:PORT with a port from 0 to 65535, got "7700"' },
      { path: "store", message: 'must be "sqlite:PATH" or "postgres://…", got "mysql://…"' },
      {
        path: "nats.url",
        message: 'must be nats://HOST:PORT (comma-separated for several), got "http://…"',
      },
    ]);
  });

  it("accepts nats as a URL or an object, defaulting the prefix and localTools", () => {
    expect(resolve({ nats: "nats://127.0.0.1:4222" }).nats).toEqual({
      url: "nats://127.0.0.1:4222",
      prefix: "durable_agents",
      localTools: false,
      extensions: {},
    });
    expect(
      resolve({ nats: { url: "nats://n:4222", prefix: "team_a", localTools: true, token: "t" } })
        .nats,
    ).toEqual({
      url: "nats://n:4222",
      prefix: "team_a",
      localTools: true,
      credentials: { token: "t" },
      extensions: {},
    });
  });

  it("names a localTools that is not a boolean", () => {
    expect(issuesOf({ nats: { url: "nats://n:4222", localTools: "yes" } })).toEqual([
      { path: "nats.localTools", message: "Invalid input: expected boolean, received string" },
    ]);
  });

  it("names a provider of an unknown type", () => {
    expect(issuesOf({ providers: { x: { type: "cohere" } } })).toEqual([
      {
        path: "providers.x.type",
        message:
          "Invalid discriminator value. Expected 'demo' | 'openai-compatible' | 'openai' | 'anthropic'",
      },
    ]);
  });

  it("names a provider without its baseURL and a name with a colon", () => {
    expect(
      issuesOf({
        providers: {
          "a:b": { type: "demo" },
          local: { type: "openai-compatible", apiKeyEnv: "not a name" },
        },
      }),
    ).toEqual([
      {
        path: 'providers["a:b"]',
        message: "provider names must not be empty or contain ':' or spaces",
      },
      {
        path: "providers.local.baseURL",
        message: "Invalid input: expected string, received undefined",
      },
      {
        path: "providers.local.apiKeyEnv",
        message: "must be an environment variable name, e.g. LOCAL_API_KEY",
      },
    ]);
  });

  it("passes unknown provider keys on as settings", () => {
    expect(
      resolve({ providers: { oa: { type: "openai", apiKey: "k", organization: "org" } } }).providers
        .oa,
    ).toEqual({
      type: "openai",
      baseURL: undefined,
      apiKey: "k",
      apiKeyEnv: undefined,
      settings: { organization: "org" },
    });
  });

  it("takes the PostgreSQL pool size and refuses a non-positive one", () => {
    expect(resolve({ postgres: { maxConnections: 25 } }).postgres).toEqual({ maxConnections: 25 });
    expect(() => resolve({ postgres: { maxConnections: 0 } })).toThrow(/postgres\.maxConnections/u);
  });

  it("keeps unknown top-level keys as extensions and fills in limits", () => {
    const config = resolve({
      dashboard: { theme: "dark" },
      limits: { maxConcurrentTurns: 8, maxPromptChars: 500, maxStreamsPerPrincipal: 3 },
    });
    expect(config.extensions).toEqual({ dashboard: { theme: "dark" } });
    expect(config.limits).toMatchObject({
      maxConcurrentTurns: 8,
      maxConcurrentTools: 32,
      maxPromptChars: 500,
      maxStreamsPerPrincipal: 3,
      maxWatchersPerThread: 100,
    });
  });

  it("names bad limits", () => {
    expect(issuesOf({ limits: { maxConcurrentTools: 0 } })).toEqual([
      { path: "limits.maxConcurrentTools", message: "Too small: expected number to be >=1" },
    ]);
    expect(issuesOf({ limits: { maxPageSize: 2.5 } })).toEqual([
      { path: "limits.maxPageSize", message: "Invalid input: expected int, received number" },
    ]);
  });

  it("refuses a request size limit connect cannot enforce (above 2^32 - 1)", () => {
    expect(issuesOf({ limits: { maxRequestBytes: 2 ** 32 } })).toEqual([
      {
        path: "limits.maxRequestBytes",
        message: "Too big: expected number to be <=4294967295",
      },
    ]);
  });

  it("refuses a file that is not an object", () => {
    expect(issuesOf(["listen"])).toEqual([
      { path: "", message: "Invalid input: expected object, received array" },
    ]);
  });
});

describe("auth (X5)", () => {
  const keyHash = `sha256:${"ab".repeat(32)}`;
  const SECRET = "a-shared-secret-of-at-least-32-characters";

  it("resolves API keys and a JWT secret with their defaults", () => {
    const config = resolve({
      auth: {
        apiKeys: [
          { key: "k-1", principal: "alice", roles: ["admin"] },
          { keyHash, principal: "bob" },
        ],
        jwt: { secret: SECRET, issuer: "https://issuer.example" },
      },
    });
    expect(config.auth).toEqual({
      apiKeys: [
        { key: "k-1", principal: "alice", roles: ["admin"] },
        { keyHash, principal: "bob", roles: [] },
      ],
      jwt: {
        secret: SECRET,
        issuer: "https://issuer.example",
        audience: undefined,
        principalClaim: "sub",
        rolesClaim: "roles",
      },
    });
  });

  it("names each bad credential", () => {
    expect(
      issuesOf({
        auth: {
          apiKeys: [
            { principal: "nokey" },
            { key: "k", keyHash, principal: "both" },
            { keyHash: "md5:abc", principal: "c" },
          ],
          jwt: { secret: SECRET, jwksFile: "/jwks.json" },
        },
      }),
    ).toEqual([
      { path: "auth.apiKeys[0]", message: "give exactly one of key or keyHash" },
      { path: "auth.apiKeys[1]", message: "give exactly one of key or keyHash" },
      { path: "auth.apiKeys[2].keyHash", message: 'must be "sha256:" and 64 hex digits' },
      { path: "auth.jwt", message: "give exactly one of secret or jwksFile" },
    ]);
  });

  it("refuses an auth section that admits nobody", () => {
    expect(issuesOf({ auth: { apiKeys: [] } })).toEqual([
      {
        path: "auth",
        message: "auth needs apiKeys or jwt; leave auth out to run without authentication",
      },
    ]);
  });
});

describe("observability (X6)", () => {
  it("reads the log level, the metrics section and the OTLP endpoint from the file", () => {
    expect(
      resolve({
        logLevel: "debug",
        metrics: { enabled: true, listen: "0.0.0.0:9464" },
        telemetry: { otlpEndpoint: "http://collector:4318/", serviceName: "agents-eu" },
      }),
    ).toMatchObject({
      logLevel: "debug",
      metrics: { enabled: true, listen: { host: "0.0.0.0", port: 9464 } },
      telemetry: { otlpTracesUrl: "http://collector:4318/v1/traces", serviceName: "agents-eu" },
    });
  });

  it("lets DURABLE_AGENTS_LOG_LEVEL and the standard OTEL_* variables win over the file", () => {
    const file = { logLevel: "debug", telemetry: { otlpEndpoint: "http://file:4318" } };
    expect(
      resolve(file, {
        DURABLE_AGENTS_LOG_LEVEL: "WARN",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://env:4318",
        OTEL_SERVICE_NAME: "from-env",
      }),
    ).toMatchObject({
      logLevel: "warn",
      telemetry: { otlpTracesUrl: "http://env:4318/v1/traces", serviceName: "from-env" },
    });
    expect(
      resolve(file, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://env:4318/traces" }).telemetry
        .otlpTracesUrl,
    ).toBe("http://env:4318/traces");
    expect(resolve(file, { OTEL_SDK_DISABLED: "true" }).telemetry.otlpTracesUrl).toBeNull();
  });

  it("names a bad log level and a bad metrics address", () => {
    expect(issuesOf({ logLevel: "loud", metrics: { listen: "9464" } })).toEqual([
      { path: "logLevel", message: expect.stringContaining("info") },
      { path: "metrics.listen", message: expect.stringContaining("HOST:PORT") },
    ]);
    expect(() => resolve({}, { DURABLE_AGENTS_LOG_LEVEL: "loud" })).toThrow(
      /DURABLE_AGENTS_LOG_LEVEL: must be one of/,
    );
  });
});

describe("error messages", () => {
  it("name the file and each field", () => {
    try {
      resolve({ listen: 7700, demo: "yes" });
      expect.unreachable();
    } catch (error: unknown) {
      expect(error).toMatchObject({
        name: "ConfigError",
        message: `Invalid configuration in ${FILE}:\n  - listen: Invalid input: expected string, received number\n  - demo: Invalid input: expected boolean, received string`,
      });
    }
  });

  it("name the configuration when there is no file", () => {
    expect(() => resolveServerConfig({ env: {}, args: {}, file: undefined })).not.toThrow();
    try {
      resolveServerConfig({
        env: { MISSING: undefined },
        args: {},
        file: { path: "x", data: { demo: 1 } },
      });
      expect.unreachable();
    } catch (error: unknown) {
      expect(error).toMatchObject({ source: "x", issues: [{ path: "demo" }] });
    }
  });
});
