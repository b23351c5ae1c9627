// The public surface of @durable-agents/server.

export { ADMIN_ROLE, RUNNER_ROLE } from "./auth/access-rules.js";
export { hashApiKey } from "./auth/api-keys.js";
export { InsecureListenError, isInsecureListenError } from "./auth/errors.js";

export type { LoadServerConfigOptions } from "./config/config.js";
export { loadServerConfig } from "./config/config.js";
export { ConfigError, isConfigError } from "./config/config-error.js";
export type { ServerConfigInput } from "./config/config-schema.js";
export { resolveServerConfig } from "./config/resolve-config.js";
export type {
  AgentConfig,
  ApiKeyConfig,
  AuthConfig,
  JwtConfig,
  ServerConfig,
} from "./config/server-config.js";
export type { AgentDefinition, StreamingOptions } from "./engine/context.js";
export type { Engine } from "./engine/engine.js";
export type { EngineHooks, TurnErrorInfo } from "./engine/hooks.js";
export { createDemoModel } from "./models/demo/demo-model.js";
export type { CreateServerOptions, DurableAgentsServer, ProgrammaticAgent } from "./server.js";
export { createServer } from "./server.js";
export { createStore } from "./store/create-store.js";
export type { Store } from "./store/store.js";
