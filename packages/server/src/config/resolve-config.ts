// From file contents, environment and command line to the resolved configuration, without I/O:
// config.ts reads, this decides.
import { otlpTracesUrl } from "@durable-agents/tool-runner";
import { DEMO_MODEL_ID } from "../models/demo/demo-model.js";
import { parseModelReference } from "../models/model-reference.js";
import { ConfigError, type ConfigIssue, formatFieldPath } from "./config-error.js";
import { applyOverrides, type Environment, readEnv, type ServeArgs } from "./config-overrides.js";
import { type ParsedServerConfig, serverConfigSchema } from "./config-schema.js";
import { type ProviderConfig, type ServerConfig, withDefaults } from "./server-config.js";

/** Where the configuration comes from. */
export interface ConfigSources {
  /** The configuration file's parsed contents and its path as given; absent without a file. */
  file?: { path: string; data: unknown } | undefined;
  env: Environment;
  args: ServeArgs;
}

/** The source name errors use when there is no file (defaults and environment only). */
const NO_FILE = "configuration";

/** Validates configuration data; a ConfigError names `source` and the path of every bad field. */
export function parseServerConfig(data: unknown, source: string): ParsedServerConfig {
  const result = serverConfigSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => ({
      path: formatFieldPath(issue.path),
      // A bad record key (a provider name) carries its reason one level down.
      message:
        issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message,
    })),
  );
}

/**
 * The resolved configuration: file (validated), then environment, then command line, then
 * defaults; API keys taken from their environment variables; agent models checked against the
 * providers, so a mistake stops the server at start-up rather than at the first turn.
 */
export function resolveServerConfig({ file, env, args }: ConfigSources): ServerConfig {
  const source = file?.path ?? NO_FILE;
  const parsed = applyOverrides(parseServerConfig(file?.data, source), env, args);
  const config = withDefaults(parsed);
  const issues: ConfigIssue[] = [];
  const providers = resolveApiKeys(config.providers, env, issues);
  checkAgentModels(parsed, providers, issues);
  if (issues.length > 0) throw new ConfigError(source, issues);
  return {
    ...config,
    providers,
    // X6: the standard OTEL_* variables win over the file's telemetry section.
    telemetry: {
      otlpTracesUrl: otlpTracesUrl(env, parsed.telemetry?.otlpEndpoint) ?? null,
      serviceName: readEnv(env, "OTEL_SERVICE_NAME") ?? config.telemetry.serviceName,
    },
  };
}

/** Takes each provider's key from its `apiKeyEnv` variable when set, else keeps its `apiKey`. */
function resolveApiKeys(
  providers: Record<string, ProviderConfig>,
  env: Environment,
  issues: ConfigIssue[],
): Record<string, ProviderConfig> {
  const resolved: Record<string, ProviderConfig> = {};
  for (const [name, provider] of Object.entries(providers)) {
    if (provider.type === "demo" || provider.apiKeyEnv === undefined) {
      resolved[name] = provider;
      continue;
    }
    const apiKey = readEnv(env, provider.apiKeyEnv) ?? provider.apiKey;
    if (apiKey === undefined) {
      issues.push({
        path: formatFieldPath(["providers", name, "apiKeyEnv"]),
        message: `environment variable ${provider.apiKeyEnv} is not set (and no apiKey is given)`,
      });
    }
    resolved[name] = { ...provider, apiKey };
  }
  return resolved;
}

/** Every configured agent must name a configured provider, and the demo provider's one model. */
function checkAgentModels(
  parsed: ParsedServerConfig,
  providers: Record<string, ProviderConfig>,
  issues: ConfigIssue[],
): void {
  const providerNames = Object.keys(providers);
  for (const [index, agent] of (parsed.agents ?? []).entries()) {
    const path = formatFieldPath(["agents", index, "model"]);
    const { provider: providerName, modelId } = parseModelReference(agent.model);
    const provider = providers[providerName];
    if (provider === undefined) {
      issues.push({
        path,
        message: `unknown provider "${providerName}"; configured providers: ${
          providerNames.length > 0 ? providerNames.join(", ") : "none"
        }`,
      });
    } else if (provider.type === "demo" && modelId !== DEMO_MODEL_ID) {
      issues.push({
        path,
        message: `unknown model "${modelId}" of demo provider "${providerName}"; its model is ${DEMO_MODEL_ID}`,
      });
    }
  }
}
