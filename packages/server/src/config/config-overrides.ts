// The command line and environment of `durable-agents serve` (DESIGN §5), read from values passed
// in so tests are exact. Precedence: command line over environment over file over defaults.
import { ConfigError, type ConfigIssue } from "./config-error.js";
import type { ParsedServerConfig } from "./config-schema.js";
import {
  type ParseResult,
  parseListenAddress,
  parseNatsPrefix,
  parseNatsUrl,
  parseStoreLocation,
} from "./config-values.js";

/** The environment variables of §5. */
export const CONFIG_ENV = {
  /** Path of the configuration file, when `--config` is not given. */
  configFile: "DURABLE_AGENTS_CONFIG",
  /** HOST:PORT to listen on. */
  listen: "DURABLE_AGENTS_LISTEN",
  /** `sqlite:PATH` or `postgres://…`. */
  store: "DURABLE_AGENTS_STORE",
  /** NATS server URL(s); setting it enables the NATS transport and bus. */
  natsUrl: "DURABLE_AGENTS_NATS_URL",
  /** NATS subject prefix. */
  natsPrefix: "DURABLE_AGENTS_NATS_PREFIX",
} as const;

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The options of `durable-agents serve [--config FILE] [--listen HOST:PORT]`. */
export interface ServeArgs {
  configFile?: string | undefined;
  listen?: string | undefined;
}

const FLAGS: Readonly<Record<string, keyof ServeArgs>> = {
  "--config": "configFile",
  "--listen": "listen",
};

const COMMAND_LINE = "command line";

/**
 * Parses the arguments after `serve`: `--config FILE` and `--listen HOST:PORT`, each also as
 * `--flag=value`. Anything else is an error, so a mistyped flag is never silently ignored.
 */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const args: ServeArgs = {};
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    const equals = argument.indexOf("=");
    const flag = equals < 0 ? argument : argument.slice(0, equals);
    const field = FLAGS[flag];
    if (field === undefined) {
      throw new ConfigError(COMMAND_LINE, [
        {
          path: argument,
          message: "unknown argument; expected --config FILE or --listen HOST:PORT",
        },
      ]);
    }
    const value = equals < 0 ? argv[++index] : argument.slice(equals + 1);
    if (value === undefined || value === "" || (equals < 0 && value.startsWith("--"))) {
      throw new ConfigError(COMMAND_LINE, [{ path: flag, message: "needs a value" }]);
    }
    args[field] = value;
  }
  return args;
}

/** An environment variable's value; empty counts as unset, as shells make unsetting awkward. */
export function readEnv(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The configuration with the environment's and the command line's values in place of the file's.
 * A NATS prefix without a NATS URL anywhere has nothing to apply to and is ignored.
 */
export function applyOverrides(
  parsed: ParsedServerConfig,
  env: Environment,
  args: ServeArgs,
): ParsedServerConfig {
  const envIssues: ConfigIssue[] = [];
  const fromEnv = <T>(name: string, parse: (text: string) => ParseResult<T>): T | undefined => {
    const text = readEnv(env, name);
    if (text === undefined) return undefined;
    const result = parse(text);
    if (result.ok) return result.value;
    envIssues.push({ path: name, message: result.message });
    return undefined;
  };
  const envListen = fromEnv(CONFIG_ENV.listen, parseListenAddress);
  const envStore = fromEnv(CONFIG_ENV.store, parseStoreLocation);
  const envNatsUrl = fromEnv(CONFIG_ENV.natsUrl, parseNatsUrl);
  const envNatsPrefix = fromEnv(CONFIG_ENV.natsPrefix, parseNatsPrefix);
  if (envIssues.length > 0) throw new ConfigError("environment", envIssues);

  let cliListen: ParsedServerConfig["listen"];
  if (args.listen !== undefined) {
    const result = parseListenAddress(args.listen);
    if (!result.ok) {
      throw new ConfigError(COMMAND_LINE, [{ path: "--listen", message: result.message }]);
    }
    cliListen = result.value;
  }

  const fileNats = parsed.nats ?? undefined;
  const natsUrl = envNatsUrl ?? fileNats?.url;
  return {
    ...parsed,
    listen: cliListen ?? envListen ?? parsed.listen,
    store: envStore ?? parsed.store,
    nats:
      natsUrl === undefined
        ? parsed.nats
        : { ...fileNats, url: natsUrl, prefix: envNatsPrefix ?? fileNats?.prefix },
  };
}
