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
import { createDemoTools, type ToolDefinition } from "@durable-agents/tool-runner";
import pino, { type Logger } from "pino";
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
import { createAdminService } from "./rpc/admin-service.js";
import { createAgentService } from "./rpc/agent-service.js";
import { authorizeInterceptor } from "./rpc/authorize-interceptor.js";
import { anonymousCaller } from "./rpc/caller.js";
import { errorInterceptor } from "./rpc/error-interceptor.js";
import { createHealthRegistry, ServingStatus, wholeServer } from "./rpc/health/health-registry.js";
import { createHealthService } from "./rpc/health/health-service.js";
import { registerServerReflection } from "./rpc/reflection/reflection-service.js";
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
  /** Hooks for every agent (an agent's own hooks win). */
  hooks?: EngineHooks;
  logger?: Logger;
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

export async function createServer(
  options: CreateServerOptions = {},
): Promise<DurableAgentsServer> {
  const config = options.config ?? withDefaults({});
  const logger = options.logger ?? pino({ name: "durable-agents" });
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await createStore(config.store));
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
  const localTransport = createLocalTransport({
    tools: inProcessTools,
    maxConcurrentTools: config.limits.maxConcurrentTools,
    runnerId: `local:${instanceId}`,
    logger,
    now: options.engine?.now ?? Date.now,
  });
  const transport: ToolTransport =
    nats === undefined
      ? localTransport
      : withLocalTools({
          local: localTransport,
          remote: createNatsTransport({ ...nats, logger }),
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
    maxConcurrentTurns: config.limits.maxConcurrentTurns,
    recoveryIntervalMs: options.engine?.recoveryIntervalMs,
    timings: options.engine?.timings,
    now: options.engine?.now,
    random: options.engine?.random,
  });
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

  const health = createHealthRegistry();
  const services = [ThreadService, StreamService, ToolCallService, AgentService, AdminService];
  const listener = await startListener({
    host: config.listen.host,
    port: config.listen.port,
    connect: {
      interceptors: [
        errorInterceptor(logger),
        ...(options.hooks?.authorize === undefined
          ? []
          : [authorizeInterceptor(options.hooks.authorize, anonymousCaller)]),
      ],
    },
    routes(router) {
      router.service(ThreadService, createThreadService(engine, anonymousCaller));
      router.service(StreamService, createStreamService(engine, anonymousCaller));
      router.service(ToolCallService, createToolCallService(engine, anonymousCaller));
      router.service(AgentService, createAgentService(engine));
      router.service(AdminService, createAdminService(engine));
      router.service(healthV1.Health, createHealthService(health));
      registerServerReflection(router, {
        services: [...services, healthV1.Health],
        files: durableAgentsProtoFiles,
      });
    },
  });
  health.setStatus(wholeServer, ServingStatus.SERVING);
  for (const service of services) health.setStatus(service.typeName, ServingStatus.SERVING);
  logger.info({ url: listener.url, store: config.store.type }, "durable-agents serving");

  let closing: Promise<void> | undefined;
  return {
    url: listener.url,
    address: listener.address,
    engine,
    close() {
      closing ??= (async () => {
        health.enterShutdown();
        await listener.close();
        await registrations?.close();
        await engine.close();
        await bus.close();
        await nats?.link.close();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}
