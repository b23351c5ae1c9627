// The resolved server configuration (DESIGN §5): every field filled in, documented with its
// default. `withDefaults` is the one place defaults are applied.
import { DEFAULT_DELTA_THROTTLE_MS } from "@durable-agents/core";
import {
  DEMO_TOOL_NAMES,
  type LogLevel,
  type NatsCredentials,
  natsCredentialsFrom,
  otlpTracesUrl,
} from "@durable-agents/tool-runner";
import {
  DEFAULT_DEMO_CHUNK_DELAY_MS,
  DEMO_MODEL_ID,
  DEMO_PROVIDER_NAME,
} from "../models/demo/demo-model.js";
// The store owns its defaults; the configuration only repeats them (config → store, never back).
import { DEFAULT_POSTGRES_MAX_CONNECTIONS } from "../store/postgres/postgres-store.js";
import type {
  ParsedAgentConfig,
  ParsedProviderConfig,
  ParsedServerConfig,
} from "./config-schema.js";
import type { ListenAddress, StoreLocation } from "./config-values.js";

/** Default listen address of `durable-agents serve`. */
export const DEFAULT_LISTEN: ListenAddress = { host: "127.0.0.1", port: 7700 };
/** Default store: the embedded SQLite file. */
export const DEFAULT_STORE: StoreLocation = { type: "sqlite", path: "./.durable-agents/agents.db" };
/** Default NATS subject prefix; stream names are its upper case (`DURABLE_AGENTS_TOOLS`). */
export const DEFAULT_NATS_PREFIX = "durable_agents";
/** Default step limit of an agent's tool loop. */
export const DEFAULT_MAX_STEPS = 20;
/** Default number of turns one server runs at once; turns mostly wait on the provider. */
export const DEFAULT_MAX_CONCURRENT_TURNS = 100;
/** Default number of tool executions one process runs at once (local transport). */
export const DEFAULT_MAX_CONCURRENT_TOOLS = 32;
/** Default largest request message, in bytes: gRPC's usual 4 MiB receive limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Default longest prompt (and text part of a caller's message), in characters. */
export const DEFAULT_MAX_PROMPT_CHARS = 1_000_000;
/** Default most parts in one message a caller sends. */
export const DEFAULT_MAX_PARTS_PER_MESSAGE = 1_000;
/** Default largest tool result (its JSON) or tool error text, in bytes. */
export const DEFAULT_MAX_TOOL_RESULT_BYTES = 1024 * 1024;
/** Default largest thread or message metadata (its JSON), in bytes. */
export const DEFAULT_MAX_METADATA_BYTES = 16 * 1024;
/** Default largest page a List RPC returns; a larger page_size is lowered to it. */
export const DEFAULT_MAX_PAGE_SIZE = 1_000;
/** Default most StreamUpdates and WatchThread calls one principal has open at once. */
export const DEFAULT_MAX_STREAMS_PER_PRINCIPAL = 1_000;
/** Default most StreamUpdates and WatchThread calls open on one thread at once. */
export const DEFAULT_MAX_WATCHERS_PER_THREAD = 100;
/** Name of the built-in demo agent (§8). */
export const DEMO_AGENT_NAME = "demo";

/** NATS connection of the scaled deployment (JetStream transport and event bus). */
export interface NatsConfig {
  /** Server URL(s), comma-separated. */
  url: string;
  /**
   * Subject prefix, so several deployments can share one NATS.
   * @default "durable_agents"
   */
  prefix: string;
  /**
   * Whether this server still runs the tools it has in-process (the demo's, and those given to
   * `createServer({ tools })`); other tools go to runners. Off: every tool call goes to a runner
   * process over NATS.
   * @default false
   */
  localTools: boolean;
  /**
   * How this server proves who it is to NATS (X5): the file's `user` and `password`, `token`,
   * `credsFile` or `nkeySeedFile`, or the DURABLE_AGENTS_NATS_* variables.
   * @default undefined (no credentials)
   */
  credentials?: NatsCredentials | undefined;
  /**
   * Further keys of the file's `nats` object, as written.
   * @default {}
   */
  extensions: Record<string, unknown>;
}

/** A backoff policy, the same shape as core's `BackoffPolicy`. */
export type BackoffConfig =
  | { strategy: "fixed"; delayMs: number; jitter: "none" | "full" }
  | {
      strategy: "exponential";
      initialDelayMs: number;
      multiplier: number;
      maxDelayMs: number;
      jitter: "none" | "full";
    };

/**
 * How an agent retries failed turns (B9), the same shape as core's `TurnRetryOptions`. Unset
 * fields take core's defaults where the decision is made (`withTurnRetryDefaults`), so B9's
 * defaults live in one place.
 */
export interface TurnRetryConfig {
  /** @default true */
  enabled?: boolean | undefined;
  /** Most attempts of one turn, the first included. @default 3 */
  maxAttempts?: number | undefined;
  /** @default exponential from 250 ms ×2 capped at 4 s, full jitter */
  backoff?: BackoffConfig | undefined;
  /** @default false */
  retryAfterToolCalls?: boolean | undefined;
}

/**
 * The retry policy an agent gives its sync tools (B15), the same shape as core's
 * `ToolRetryPolicy`; unset fields take core's defaults (`withToolRetryDefaults`).
 */
export interface ToolRetryConfig {
  /** @default true when the agent has a `toolRetry` */
  enabled: boolean;
  /** Most executions of one call, the first included. @default 3 */
  maxAttempts?: number | undefined;
  /** @default exponential from 500 ms ×2 capped at 10 s, full jitter */
  backoff?: BackoffConfig | undefined;
}

/** How a turn's stream is saved for watchers (B5). */
export interface StreamingConfig {
  /**
   * Save deltas so watchers can follow and resume the stream.
   * @default true
   */
  saveDeltas: boolean;
  /**
   * Write at most one delta row per this many ms.
   * @default 250
   */
  throttleMs: number;
  /**
   * Keep tool-input-delta chunks in saved deltas.
   * @default false
   */
  includeToolInputDeltas: boolean;
}

/** An agent defined in configuration (§5). */
export interface AgentConfig {
  name: string;
  /** `"<provider>:<model id>"`. */
  model: string;
  /**
   * System prompt.
   * @default undefined (none)
   */
  system: string | undefined;
  /**
   * What the agent is for, shown by ListAgents.
   * @default ""
   */
  description: string;
  /**
   * Names of the tools the agent may call.
   * @default []
   */
  tools: string[];
  /** @default {} (B9 defaults) */
  retry: TurnRetryConfig;
  /**
   * Retry policy for the agent's sync tools that declare none.
   * @default undefined (each tool's own policy; none means no retries, B15)
   */
  toolRetry: ToolRetryConfig | undefined;
  /** @default { saveDeltas: true, throttleMs: 250, includeToolInputDeltas: false } */
  streaming: StreamingConfig;
  /**
   * Most model steps (turns) of one tool loop.
   * @default 20
   */
  maxSteps: number;
  /**
   * Further keys of the agent, as written.
   * @default {}
   */
  extensions: Record<string, unknown>;
}

/** The built-in `demo:echo` provider (§8). */
export interface DemoProviderConfig {
  type: "demo";
  /**
   * Pause between streamed text deltas, in ms; 0 for benchmarks.
   * @default 5
   */
  chunkDelayMs: number;
}

/** The fields every HTTP provider shares. */
export interface KeyedProviderConfig {
  /**
   * The API key: the value of `apiKeyEnv`'s variable when that is set, else the file's `apiKey`.
   * @default undefined (no key sent)
   */
  apiKey: string | undefined;
  /**
   * Name of the environment variable that holds the API key.
   * @default undefined
   */
  apiKeyEnv: string | undefined;
  /**
   * Further settings (headers, organization, …), passed to the AI SDK provider factory as written.
   * @default {}
   */
  settings: Record<string, unknown>;
}

/** An OpenAI-compatible HTTP API (llama.cpp, vLLM, Ollama, LM Studio, …). */
export interface OpenAICompatibleProviderConfig extends KeyedProviderConfig {
  type: "openai-compatible";
  baseURL: string;
}

/** OpenAI through `@ai-sdk/openai`, when installed. */
export interface OpenAIProviderConfig extends KeyedProviderConfig {
  type: "openai";
  /** @default undefined (the package's default URL) */
  baseURL: string | undefined;
}

/** Anthropic through `@ai-sdk/anthropic`, when installed. */
export interface AnthropicProviderConfig extends KeyedProviderConfig {
  type: "anthropic";
  /** @default undefined (the package's default URL) */
  baseURL: string | undefined;
}

/** A model provider, keyed by name in `providers`. */
export type ProviderConfig =
  | DemoProviderConfig
  | OpenAICompatibleProviderConfig
  | OpenAIProviderConfig
  | AnthropicProviderConfig;

/** A static API key (X5): the key itself, or its SHA-256 as "sha256:<hex>". */
export type ApiKeyConfig = {
  /** The principal the key authenticates as. */
  principal: string;
  /** @default [] */
  roles: string[];
} & ({ key: string; keyHash?: undefined } | { keyHash: string; key?: undefined });

/** JWT bearer tokens (X5), checked with a shared secret or a JWKS file. */
export type JwtConfig = {
  /** @default undefined (any issuer) */
  issuer: string | undefined;
  /** @default undefined (any audience) */
  audience: string | string[] | undefined;
  /** @default "sub" */
  principalClaim: string;
  /** @default "roles" */
  rolesClaim: string;
} & ({ secret: string; jwksFile?: undefined } | { jwksFile: string; secret?: undefined });

/** Authentication (X5). */
export interface AuthConfig {
  /** @default [] */
  apiKeys: ApiKeyConfig[];
  /** @default undefined */
  jwt: JwtConfig | undefined;
}

/**
 * Limits of one server process (X5): how much work it runs at once, and how large and how many
 * of the things a caller sends it accepts. A request over a size limit is refused with
 * INVALID_ARGUMENT naming the field (RESOURCE_EXHAUSTED for the whole request and for the
 * counts of open streams); nothing is cut silently, except page sizes.
 */
export interface LimitsConfig {
  /** @default 100 */
  maxConcurrentTurns: number;
  /** @default 32 */
  maxConcurrentTools: number;
  /**
   * Largest request message in bytes, as received (compressed) and after decompression; a larger
   * one is RESOURCE_EXHAUSTED before it is decoded.
   * @default 4194304 (4 MiB)
   */
  maxRequestBytes: number;
  /**
   * Longest prompt (CreateThread, SendMessage, ResumeThread) and longest text part of a message a
   * caller sends, in characters (Unicode code points).
   * @default 1000000
   */
  maxPromptChars: number;
  /**
   * Most parts in one message a caller sends.
   * @default 1000
   */
  maxPartsPerMessage: number;
  /**
   * Largest tool result in bytes of its JSON, from AddToolResult or a runner's outcome over NATS,
   * and largest AddToolError text in bytes. A runner's larger result fails its tool call.
   * @default 1048576 (1 MiB)
   */
  maxToolResultBytes: number;
  /**
   * Largest thread metadata and message metadata, in bytes of its JSON.
   * @default 16384 (16 KiB)
   */
  maxMetadataBytes: number;
  /**
   * Largest page a List RPC returns; a larger `page_size` is lowered to it (AIP-158), never
   * refused.
   * @default 1000
   */
  maxPageSize: number;
  /**
   * Most StreamUpdates and WatchThread calls one principal has open at once on this replica
   * (each server process counts its own streams: N replicas allow N times as many); all
   * anonymous callers (authentication off) count as one principal.
   * @default 1000
   */
  maxStreamsPerPrincipal: number;
  /**
   * Most StreamUpdates and WatchThread calls open on one thread at once, of all principals, on
   * this replica (each server process counts its own streams: N replicas allow N times as many).
   * @default 100
   */
  maxWatchersPerThread: number;
}

/** The PostgreSQL store's connection pool; unused with a SQLite store. */
export interface PostgresConfig {
  /**
   * Connections each replica's pool holds at most; replicas × this must stay below the database's
   * `max_connections`.
   * @default 10
   */
  maxConnections: number;
}

/** Prometheus metrics (X6). */
export interface MetricsConfig {
  /**
   * Serve `GET /metrics`.
   * @default true
   */
  enabled: boolean;
  /**
   * A port of their own for the metrics (e.g. one only the scraper reaches); null serves them on
   * the API port, beside the RPCs.
   * @default null
   */
  listen: ListenAddress | null;
}

/** Trace export (X6). */
export interface TelemetryConfig {
  /**
   * Where spans go, an OTLP/HTTP traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` or the file's `telemetry.otlpEndpoint` + `/v1/traces`. Null
   * starts no tracing SDK; the W3C trace context is carried to runners all the same.
   * @default null
   */
  otlpTracesUrl: string | null;
  /**
   * The spans' `service.name` (`OTEL_SERVICE_NAME`).
   * @default "durable-agents"
   */
  serviceName: string;
}

/** Default `service.name` of the server's spans. */
export const DEFAULT_SERVICE_NAME = "durable-agents";

/** The resolved configuration of `durable-agents serve`. */
export interface ServerConfig {
  /** @default { host: "127.0.0.1", port: 7700 } */
  listen: ListenAddress;
  /** @default { type: "sqlite", path: "./.durable-agents/agents.db" } */
  store: StoreLocation;
  /** @default { maxConnections: 10 } */
  postgres: PostgresConfig;
  /**
   * NATS for tools and events; null runs tools in-process with a local bus.
   * @default null
   */
  nats: NatsConfig | null;
  /**
   * Providers by name.
   * @default { demo: { type: "demo", chunkDelayMs: 5 } }
   */
  providers: Record<string, ProviderConfig>;
  /**
   * The agents; the built-in `demo` agent first unless disabled or redefined.
   * @default [the demo agent]
   */
  agents: AgentConfig[];
  /**
   * Authentication; null accepts every caller.
   * @default null
   */
  auth: AuthConfig | null;
  /**
   * Without `auth`, allow listening on a non-loopback address anyway (X5: `--insecure`,
   * DURABLE_AGENTS_INSECURE=1); every caller there may use every RPC.
   * @default false
   */
  insecure: boolean;
  /**
   * Whether the built-in demo provider and agent exist.
   * @default true
   */
  demo: boolean;
  /** @default every limit's own default (see LimitsConfig) */
  limits: LimitsConfig;
  /**
   * The least severe log level written (`DURABLE_AGENTS_LOG_LEVEL`).
   * @default "info"
   */
  logLevel: LogLevel;
  /** @default { enabled: true, listen: null } */
  metrics: MetricsConfig;
  /** @default { otlpTracesUrl: null, serviceName: "durable-agents" } */
  telemetry: TelemetryConfig;
  /**
   * Top-level keys of the file beyond these, as written.
   * @default {}
   */
  extensions: Record<string, unknown>;
}

/** The demo agent of §8, as configuration. */
export function createDemoAgentConfig(): AgentConfig {
  return resolveAgent({
    name: DEMO_AGENT_NAME,
    model: `${DEMO_PROVIDER_NAME}:${DEMO_MODEL_ID}`,
    description: "Offline demo: echoes messages, reports the weather, asks for approval.",
    system:
      "You are the durable-agents demo agent. You can look up the weather in a city and ask a " +
      "human to approve a request.",
    tools: [...DEMO_TOOL_NAMES],
  });
}

/** Fills in every default of a validated configuration, and adds the demo provider and agent. */
export function withDefaults(parsed: ParsedServerConfig): ServerConfig {
  const {
    listen,
    store,
    postgres,
    nats,
    providers,
    agents,
    auth,
    insecure,
    demo,
    limits,
    logLevel,
    metrics,
    telemetry,
    ...extensions
  } = parsed;
  const isDemoEnabled = demo ?? true;
  const configuredAgents = (agents ?? []).map(resolveAgent);
  const isDemoAgentRedefined = configuredAgents.some((agent) => agent.name === DEMO_AGENT_NAME);
  return {
    listen: listen ?? DEFAULT_LISTEN,
    store: store ?? DEFAULT_STORE,
    postgres: { maxConnections: postgres?.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS },
    nats: nats == null ? null : resolveNats(nats),
    providers: {
      ...(isDemoEnabled
        ? { [DEMO_PROVIDER_NAME]: { type: "demo", chunkDelayMs: DEFAULT_DEMO_CHUNK_DELAY_MS } }
        : {}),
      ...Object.fromEntries(
        Object.entries(providers ?? {}).map(([name, provider]) => [
          name,
          resolveProvider(provider),
        ]),
      ),
    },
    agents: [
      ...(isDemoEnabled && !isDemoAgentRedefined ? [createDemoAgentConfig()] : []),
      ...configuredAgents,
    ],
    auth: auth == null ? null : resolveAuth(auth),
    insecure: insecure ?? false,
    demo: isDemoEnabled,
    limits: {
      maxConcurrentTurns: limits?.maxConcurrentTurns ?? DEFAULT_MAX_CONCURRENT_TURNS,
      maxConcurrentTools: limits?.maxConcurrentTools ?? DEFAULT_MAX_CONCURRENT_TOOLS,
      maxRequestBytes: limits?.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      maxPromptChars: limits?.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS,
      maxPartsPerMessage: limits?.maxPartsPerMessage ?? DEFAULT_MAX_PARTS_PER_MESSAGE,
      maxToolResultBytes: limits?.maxToolResultBytes ?? DEFAULT_MAX_TOOL_RESULT_BYTES,
      maxMetadataBytes: limits?.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES,
      maxPageSize: limits?.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE,
      maxStreamsPerPrincipal: limits?.maxStreamsPerPrincipal ?? DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
      maxWatchersPerThread: limits?.maxWatchersPerThread ?? DEFAULT_MAX_WATCHERS_PER_THREAD,
    },
    logLevel: logLevel ?? "info",
    metrics: { enabled: metrics?.enabled ?? true, listen: metrics?.listen ?? null },
    telemetry: {
      otlpTracesUrl: otlpTracesUrl({}, telemetry?.otlpEndpoint) ?? null,
      serviceName: telemetry?.serviceName ?? DEFAULT_SERVICE_NAME,
    },
    extensions,
  };
}

function resolveProvider(provider: ParsedProviderConfig): ProviderConfig {
  if (provider.type === "demo") {
    return { type: "demo", chunkDelayMs: provider.chunkDelayMs ?? DEFAULT_DEMO_CHUNK_DELAY_MS };
  }
  const { type, baseURL, apiKey, apiKeyEnv, ...settings } = provider;
  const keyed = { apiKey, apiKeyEnv, settings };
  switch (type) {
    case "openai-compatible":
      return { type, baseURL, ...keyed };
    case "openai":
    case "anthropic":
      return { type, baseURL, ...keyed };
  }
}

type ParsedBackoff = NonNullable<NonNullable<ParsedAgentConfig["retry"]>["backoff"]>;

/** Keeps only the fields of core's `BackoffPolicy`. */
function resolveBackoff(backoff: ParsedBackoff | undefined): BackoffConfig | undefined {
  if (backoff === undefined) return undefined;
  if (backoff.strategy === "fixed") {
    return { strategy: "fixed", delayMs: backoff.delayMs, jitter: backoff.jitter };
  }
  const { initialDelayMs, multiplier, maxDelayMs, jitter } = backoff;
  return { strategy: "exponential", initialDelayMs, multiplier, maxDelayMs, jitter };
}

function resolveAgent(agent: ParsedAgentConfig): AgentConfig {
  const {
    name,
    model,
    system,
    description,
    tools,
    retry,
    toolRetry,
    streaming,
    maxSteps,
    ...extensions
  } = agent;
  return {
    name,
    model,
    system,
    description: description ?? "",
    tools: tools ?? [],
    retry:
      retry === undefined
        ? {}
        : {
            enabled: retry.enabled,
            maxAttempts: retry.maxAttempts,
            backoff: resolveBackoff(retry.backoff),
            retryAfterToolCalls: retry.retryAfterToolCalls,
          },
    toolRetry:
      toolRetry === undefined
        ? undefined
        : {
            enabled: toolRetry.enabled ?? true,
            maxAttempts: toolRetry.maxAttempts,
            backoff: resolveBackoff(toolRetry.backoff),
          },
    streaming: {
      saveDeltas: streaming?.saveDeltas ?? true,
      throttleMs: streaming?.throttleMs ?? DEFAULT_DELTA_THROTTLE_MS,
      includeToolInputDeltas: streaming?.includeToolInputDeltas ?? false,
    },
    maxSteps: maxSteps ?? DEFAULT_MAX_STEPS,
    extensions,
  };
}

type ParsedAuth = NonNullable<ParsedServerConfig["auth"]>;

function resolveAuth({ apiKeys, jwt }: ParsedAuth): AuthConfig {
  return { apiKeys: apiKeys ?? [], jwt };
}

type ParsedNats = NonNullable<ParsedServerConfig["nats"]>;

function resolveNats({
  url,
  prefix,
  localTools,
  user,
  password,
  token,
  credsFile,
  nkeySeedFile,
  ...extensions
}: ParsedNats): NatsConfig {
  const credentials = natsCredentialsFrom({ user, password, token, credsFile, nkeySeedFile });
  // Unreachable from a file: the schema refuses what natsCredentialsFrom refuses.
  if (!credentials.ok) throw new RangeError(credentials.message);
  return {
    url,
    prefix: prefix ?? DEFAULT_NATS_PREFIX,
    localTools: localTools ?? false,
    credentials: credentials.credentials,
    extensions,
  };
}
