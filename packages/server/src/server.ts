// createServer (DESIGN §5): one process serving the API on one port, running the engine on the
// configured store, tools and event bus. With no options it is the embedded default: SQLite file,
// in-process tools, in-process events, the demo agent.
import { randomUUID } from "node:crypto";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { type ToolRetryPolicy, withToolRetryDefaults } from "@durable-agents/core";
import {
  AdminService,
  AgentService,
  durableAgentsProtoFiles,
  healthV1,
  StreamService,
  ThreadService,
  ToolCallService,
} from "@durable-agents/core/proto";
import {
  answerMetricsRequest,
  createDemoTools,
  type MetricsServer,
  startMetricsServer,
  type ToolDefinition,
} from "@durable-agents/tool-runner";
import pino, { type Logger } from "pino";
import { Registry } from "prom-client";
import { createCallerResolver } from "./auth/caller-resolver.js";
import { checkListenExposure } from "./auth/listen-guard.js";
import type { ServerConfigInput } from "./config/config-schema.js";
import { parseServerConfig } from "./config/resolve-config.js";
import type { ServerConfig } from "./config/server-config.js";
import { withDefaults } from "./config/server-config.js";
import type { AgentDefinition, EngineTimings, ToolPolicy } from "./engine/context.js";
import { createEngine, type Engine } from "./engine/engine.js";
import type { EngineHooks } from "./engine/hooks.js";
import type { EventBus } from "./events/event-bus.js";
import { createLocalEventBus } from "./events/local-event-bus.js";
import { createNatsEventBus } from "./events/nats-event-bus.js";
import { createModelRegistry } from "./models/model-registry.js";
import { startListener } from "./net/listener.js";
import { noopMetrics } from "./observability/metrics.js";
import { createPrometheusMetrics } from "./observability/prometheus-metrics.js";
import { rpcTracingInterceptor } from "./observability/rpc-tracing-interceptor.js";
import { startTelemetry } from "./observability/telemetry.js";
import { createAdminService } from "./rpc/admin-service.js";
import { createAgentService } from "./rpc/agent-service.js";
import { authorizeInterceptor } from "./rpc/authorize-interceptor.js";
import { authenticationInterceptor, ownerOfCall } from "./rpc/caller.js";
import { errorInterceptor } from "./rpc/error-interceptor.js";
import { createHealthRegistry, ServingStatus, wholeServer } from "./rpc/health/health-registry.js";
import { createHealthService } from "./rpc/health/health-service.js";
import { registerServerReflection } from "./rpc/reflection/reflection-service.js";
import { createRequestDecodingErrors } from "./rpc/request-decoding-errors.js";
import { createStreamLimits } from "./rpc/stream-limits.js";
import { createStreamService } from "./rpc/stream-service.js";
import { createThreadService } from "./rpc/thread-service.js";
import { createToolCallService, registerTools } from "./rpc/tool-call-service.js";
import { createStore } from "./store/create-store.js";
import type { ToolRetryPolicyRecord } from "./store/records.js";
import type { Store } from "./store/store.js";
import { createLocalTransport } from "./transport/local/local-transport.js";
import { connectNats } from "./transport/nats/nats-connection.js";
import { natsNames } from "./transport/nats/nats-names.js";
import { createNatsTransport } from "./transport/nats/nats-transport.js";
import {
  serveToolRegistrations,
  type ToolRegistrations,
} from "./transport/nats/tool-registrations.js";
import { withLocalTools } from "./transport/nats/with-local-tools.js";
import type { ToolTransport } from "./transport/tool-transport.js";

/** An agent defined in code: a live AI SDK model or a "<provider>:<model id>", and hooks. */
export interface ProgrammaticAgent
  extends Partial<Omit<AgentDefinition, "model" | "modelName" | "name">> {
  name: string;
  model: LanguageModelV3 | string;
}

export interface CreateServerOptions {
  /** The resolved configuration (see loadServerConfig). @default the embedded defaults */
  config?: ServerConfig;
  /** Agents defined in code; they replace configured agents of the same name. */
  agents?: readonly ProgrammaticAgent[];
  /**
   * Tools run in this process, defined with defineTool; the demo's tools are added unless disabled,
   * and a tool here replaces the demo's tool of the same name.
   */
  tools?: readonly ToolDefinition[];
  /** A store to use instead of the configured one; the server does not close it. */
  store?: Store;
  /**
   * NATS for tools and events, as the configuration's `nats` (DESIGN §5); replaces `config.nats`.
   * `null` runs tools in-process with a local bus.
   */
  nats?: ServerConfigInput["nats"];
  /** Authentication (X5), as the configuration's `auth` (DESIGN §5); replaces `config.auth`. */
  auth?: ServerConfigInput["auth"];
  /** Hooks for every agent (an agent's own hooks win). */
  hooks?: EngineHooks;
  logger?: Logger;
  /**
   * The Prometheus registry `/metrics` serves (X6), e.g. one the embedding application also
   * registers its own or the process's default metrics on.
   * @default a registry of this server's own
   */
  metricsRegistry?: Registry;
  /** For tests: shorter timings, a pinned clock or randomness. */
  engine?: {
    timings?: Partial<EngineTimings>;
    recoveryIntervalMs?: number;
    now?: () => number;
    random?: () => number;
  };
}

export interface DurableAgentsServer {
  /** The base URL of the API, e.g. http://127.0.0.1:7700. */
  readonly url: string;
  readonly address: { readonly host: string; readonly port: number };
  readonly engine: Engine;
  /**
   * Where Prometheus scrapes this server (X6): `<url>/metrics`, or the `metrics.listen` port's;
   * undefined when metrics are off.
   */
  readonly metricsUrl: string | undefined;
  /** Graceful shutdown: stop accepting, end streams, hand back in-flight turns, close the store. */
  close(): Promise<void>;
}

/** A tool's retry policy as the registry stores it (B15); null when retries are off. */
function retryPolicyRecord(policy: ToolRetryPolicy | undefined): ToolRetryPolicyRecord | null {
  if (policy?.enabled !== true) return null;
  const resolved = withToolRetryDefaults(policy);
  const { backoff } = resolved;
  return backoff.strategy === "fixed"
    ? {
        maxAttempts: resolved.maxAttempts,
        initialDelayMs: backoff.delayMs,
        multiplier: 1,
        maxDelayMs: backoff.delayMs,
        jitter: backoff.jitter === "full",
      }
    : {
        maxAttempts: resolved.maxAttempts,
        initialDelayMs: backoff.initialDelayMs,
        multiplier: backoff.multiplier,
        maxDelayMs: backoff.maxDelayMs,
        jitter: backoff.jitter === "full",
      };
}

function toolPolicy(tool: ToolDefinition): ToolPolicy {
  return {
    name: tool.name,
    description: tool.description,
    kind: tool.kind,
    inputSchema: tool.inputSchema,
    retry: tool.retry,
    timeoutMs: tool.timeoutMs ?? null,
  };
}

async function resolveAgents(config: ServerConfig, programmatic: readonly ProgrammaticAgent[]) {
  const registry = await createModelRegistry({ providers: config.providers });
  const agents = new Map<string, AgentDefinition>();
  for (const agent of config.agents) {
    agents.set(agent.name, {
      name: agent.name,
      modelName: agent.model,
      model: registry.languageModel(agent.model),
      system: agent.system,
      tools: agent.tools,
      retry: agent.retry,
      toolRetry: agent.toolRetry,
      streaming: agent.streaming,
      maxSteps: agent.maxSteps,
      hooks: {},
    });
  }
  for (const agent of programmatic) {
    const base = agents.get(agent.name);
    agents.set(agent.name, {
      name: agent.name,
      modelName:
        typeof agent.model === "string"
          ? agent.model
          : `${agent.model.provider}:${agent.model.modelId}`,
      model: registry.languageModel(agent.model),
      system: agent.system ?? base?.system,
      tools: agent.tools ?? base?.tools ?? [],
      retry: agent.retry ?? base?.retry ?? {},
      toolRetry: agent.toolRetry ?? base?.toolRetry,
      streaming: agent.streaming ??
        base?.streaming ?? { saveDeltas: true, throttleMs: 250, includeToolInputDeltas: false },
      maxSteps: agent.maxSteps ?? base?.maxSteps ?? 20,
      hooks: agent.hooks ?? base?.hooks ?? {},
    });
  }
  return [...agents.values()];
}

/**
 * The configuration with `nats` and `auth` given in code in place of the configured ones, checked
 * and resolved exactly as a config file's would be.
 */
function withProgrammaticOverrides(
  config: ServerConfig,
  { nats, auth }: Pick<CreateServerOptions, "nats" | "auth">,
): ServerConfig {
  if (nats === undefined && auth === undefined) return config;
  const given = withDefaults(parseServerConfig({ nats, auth }, "createServer options"));
  return {
    ...config,
    ...(nats === undefined ? {} : { nats: given.nats }),
    ...(auth === undefined ? {} : { auth: given.auth }),
  };
}

export async function createServer(
  options: CreateServerOptions = {},
): Promise<DurableAgentsServer> {
  const config = withProgrammaticOverrides(options.config ?? withDefaults({}), options);
  const logger = options.logger ?? pino({ name: "durable-agents" });
  // X5, before anything is opened: who may call, and whether this address may be listened on.
  const callers = await createCallerResolver(config.auth);
  const exposure = await checkListenExposure({
    host: config.listen.host,
    isAuthEnabled: callers.isEnabled,
    insecure: config.insecure,
  });
  if (exposure === "loopback") {
    logger.warn(
      { host: config.listen.host },
      "authentication is off: every caller may use every RPC; listening on loopback only " +
        "(configure auth to serve other machines)",
    );
  } else if (exposure === "insecure") {
    logger.warn(
      { host: config.listen.host },
      "INSECURE: authentication is off and the API listens beyond loopback (--insecure): " +
        "anyone who can reach this address may read and drive every thread",
    );
  }
  // X6: spans go to OTLP only when an endpoint is configured; metrics to this server's registry.
  const telemetry = startTelemetry(config.telemetry);
  const { tracing } = telemetry;
  const metricsRegistry = options.metricsRegistry ?? new Registry();
  const metrics = config.metrics.enabled ? createPrometheusMetrics(metricsRegistry) : noopMetrics;
  // What start-up opened, closed again in reverse when a later step fails (NATS refusing the
  // credentials, the port in use), so a failed createServer leaves no connection or file open.
  const opened: (() => Promise<unknown>)[] = [() => telemetry.shutdown()];
  try {
    const ownsStore = options.store === undefined;
    const store =
      options.store ??
      (await createStore(config.store, {
        maxConnections: config.postgres.maxConnections,
        logger: logger.child({ component: "store" }),
      }));
    if (ownsStore) opened.push(() => store.close());
    await store.migrate();
    // Tools given in code replace the demo's tools of the same name, as programmatic agents replace
    // configured ones: a test or an embedding app can serve its own get_weather to the demo agent.
    const ownTools = options.tools ?? [];
    const ownToolNames = new Set(ownTools.map((tool) => tool.name));
    const demoTools = config.demo ? createDemoTools() : [];
    const tools = [...demoTools.filter((tool) => !ownToolNames.has(tool.name)), ...ownTools];
    const instanceId = randomUUID();
    // With NATS (the scaled deployment) tools run in runner processes, unless `nats.localTools`
    // keeps this process's own tools in-process; the event bus reaches every replica.
    const nats =
      config.nats === null
        ? undefined
        : {
            link: await connectNats(config.nats, {
              name: `durable-agents-server ${instanceId}`,
              logger,
            }),
            names: natsNames(config.nats.prefix),
          };
    if (nats !== undefined) opened.push(() => nats.link.close());
    const inProcessTools = config.nats === null || config.nats.localTools ? tools : [];
    if (config.nats !== null && !config.nats.localTools && ownTools.length > 0) {
      logger.warn(
        { tools: ownTools.map((tool) => tool.name) },
        "NATS is on: these tools run in runner processes only; set nats.localTools to run them here",
      );
    }
    const bus: EventBus =
      nats === undefined
        ? createLocalEventBus()
        : createNatsEventBus({ ...nats, logger, instanceId });
    opened.push(() => bus.close());
    const localTransport = createLocalTransport({
      tools: inProcessTools,
      maxConcurrentTools: config.limits.maxConcurrentTools,
      runnerId: `local:${instanceId}`,
      logger,
      now: options.engine?.now ?? Date.now,
      tracing,
    });
    const transport: ToolTransport =
      nats === undefined
        ? localTransport
        : withLocalTools({
            local: localTransport,
            remote: createNatsTransport({
              ...nats,
              logger,
              maxToolResultBytes: config.limits.maxToolResultBytes,
            }),
            localToolNames: new Set(inProcessTools.map((tool) => tool.name)),
          });
    const engine = await createEngine({
      store,
      bus,
      transport,
      agents: await resolveAgents(config, options.agents ?? []),
      localTools: inProcessTools.map(toolPolicy),
      hooks: options.hooks,
      logger,
      metrics,
      tracing,
      maxConcurrentTurns: config.limits.maxConcurrentTurns,
      recoveryIntervalMs: options.engine?.recoveryIntervalMs,
      timings: options.engine?.timings,
      now: options.engine?.now,
      random: options.engine?.random,
    });
    opened.push(() => engine.close());
    // In-process tools are listed by ListTools like the ones runners register. With NATS the
    // definitions of the tools this process knows (the demo's) are registered too, so the model
    // sees them before a runner starts; a runner's own registration is not overwritten.
    const toolsToRegister: ToolDefinition[] = [];
    for (const tool of tools) {
      const isRunHere = inProcessTools.includes(tool);
      if (isRunHere || (await store.getTool(tool.name)) === undefined) toolsToRegister.push(tool);
    }
    await engine.registerTools(
      toolsToRegister.map((tool) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        kind: tool.kind,
        retry: retryPolicyRecord(tool.retry),
        timeoutMs: tool.timeoutMs ?? null,
        runnerId: null,
        registeredAt: engine.context.now(),
      })),
    );

    const registrations: ToolRegistrations | undefined =
      nats === undefined
        ? undefined
        : serveToolRegistrations({
            ...nats,
            logger,
            register: (request) => registerTools(engine, request),
          });
    if (registrations !== undefined) opened.push(() => registrations.close());

    const health = createHealthRegistry();
    const services = [ThreadService, StreamService, ToolCallService, AgentService, AdminService];
    const { limits } = config;
    // X5: requests connect-es cannot read get the caller's status, never INTERNAL (DESIGN §3).
    const decodingErrors = createRequestDecodingErrors(limits);
    const streamLimits = createStreamLimits(limits);
    const listener = await startListener({
      host: config.listen.host,
      port: config.listen.port,
      connect: {
        // X5: a larger request is refused before it is decoded (also after decompression).
        readMaxBytes: limits.maxRequestBytes,
        // Outermost first: errors become statuses; then the caller is authenticated (X5), so
        // everything after it (the authorize hook, limits per principal) knows who calls.
        interceptors: [
          // X6: outermost, so the `rpc <method>` span sees the status the caller gets.
          rpcTracingInterceptor(tracing),
          decodingErrors.interceptor,
          errorInterceptor(logger),
          authenticationInterceptor(callers, logger),
          ...(options.hooks?.authorize === undefined
            ? []
            : [authorizeInterceptor(options.hooks.authorize)]),
        ],
      },
      // X6: `GET /metrics` beside the RPCs, unless metrics have a port of their own.
      ...(config.metrics.enabled && config.metrics.listen === null
        ? {
            intercept: (request, response) =>
              answerMetricsRequest(metricsRegistry, request, response),
          }
        : {}),
      routes(router) {
        router.service(ThreadService, createThreadService(engine, ownerOfCall, limits));
        router.service(StreamService, createStreamService(engine, ownerOfCall, streamLimits));
        router.service(ToolCallService, createToolCallService(engine, ownerOfCall, limits));
        router.service(AgentService, createAgentService(engine, limits));
        router.service(AdminService, createAdminService(engine, limits));
        router.service(healthV1.Health, createHealthService(health));
        registerServerReflection(router, {
          services: [...services, healthV1.Health],
          files: durableAgentsProtoFiles,
        });
        decodingErrors.wrapUnaryHandlers(router);
      },
    });
    opened.push(() => listener.close());
    const metricsServer: MetricsServer | undefined =
      config.metrics.enabled && config.metrics.listen !== null
        ? await startMetricsServer({ ...config.metrics.listen, registry: metricsRegistry })
        : undefined;
    const metricsUrl = !config.metrics.enabled
      ? undefined
      : (metricsServer?.url ?? `${listener.url}/metrics`);
    health.setStatus(wholeServer, ServingStatus.SERVING);
    for (const service of services) health.setStatus(service.typeName, ServingStatus.SERVING);
    logger.info(
      { url: listener.url, store: config.store.type, metricsUrl },
      "durable-agents serving",
    );

    let closing: Promise<void> | undefined;
    return {
      url: listener.url,
      address: listener.address,
      engine,
      metricsUrl,
      close() {
        closing ??= (async () => {
          health.enterShutdown();
          await listener.close();
          await registrations?.close();
          await engine.close();
          await bus.close();
          await nats?.link.close();
          if (ownsStore) await store.close();
          await metricsServer?.close();
          // Exports the spans still buffered (the last turns' and tools').
          await telemetry.shutdown();
        })();
        return closing;
      },
    };
  } catch (error: unknown) {
    for (const close of opened.reverse()) {
      await close().catch((closeError: unknown) =>
        logger.warn({ err: closeError }, "closing after a failed start-up failed"),
      );
    }
    throw error;
  }
}
