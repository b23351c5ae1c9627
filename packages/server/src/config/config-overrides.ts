// The command line and environment of `durable-agents serve` (DESIGN §5), read from values passed
// in so tests are exact. Precedence: command line over environment over file over defaults.
import {
  isLogLevel,
  LOG_LEVELS,
  type LogLevel,
  type NatsCredentialFields,
  natsCredentialsFrom,
} from "@durable-agents/tool-runner";
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
  /** NATS user (with natsPassword); the NATS credentials variables replace the file's (X5). */
  natsUser: "DURABLE_AGENTS_NATS_USER",
  /** NATS password. */
  natsPassword: "DURABLE_AGENTS_NATS_PASSWORD",
  /** NATS token. */
  natsToken: "DURABLE_AGENTS_NATS_TOKEN",
  /** NATS credentials file (user JWT and nkey seed). */
  natsCredsFile: "DURABLE_AGENTS_NATS_CREDS",
  /** NATS nkey seed file. */
  natsNkeySeedFile: "DURABLE_AGENTS_NATS_NKEY",
  /** "1" or "true": listen beyond loopback without authentication (X5, like --insecure). */
  insecure: "DURABLE_AGENTS_INSECURE",
  /** The least severe log level written: fatal, error, warn, info, debug, trace or silent (X6). */
  logLevel: "DURABLE_AGENTS_LOG_LEVEL",
} as const;

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The options of `durable-agents serve [--config FILE] [--listen HOST:PORT] [--insecure]`. */
export interface ServeArgs {
  configFile?: string | undefined;
  listen?: string | undefined;
  /** `--insecure`: listen beyond loopback without authentication (X5). */
  insecure?: boolean | undefined;
}

const FLAGS: Readonly<Record<string, "configFile" | "listen">> = {
  "--config": "configFile",
  "--listen": "listen",
};

/** Flags that take no value. */
const SWITCHES: Readonly<Record<string, "insecure">> = {
  "--insecure": "insecure",
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
    const switchField = SWITCHES[flag];
    if (switchField !== undefined && equals < 0) {
      args[switchField] = true;
      continue;
    }
    const field = FLAGS[flag];
    if (field === undefined) {
      throw new ConfigError(COMMAND_LINE, [
        {
          path: argument,
          message: "unknown argument; expected --config FILE, --listen HOST:PORT or --insecure",
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
  const envInsecure = fromEnv(CONFIG_ENV.insecure, parseSwitch);
  const envLogLevel = fromEnv(CONFIG_ENV.logLevel, parseLogLevel);
  const envNatsCredentials = natsCredentialsFromEnv(env, envIssues);
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
        : {
            ...fileNats,
            url: natsUrl,
            prefix: envNatsPrefix ?? fileNats?.prefix,
            ...envNatsCredentials,
          },
    insecure: args.insecure === true ? true : (envInsecure ?? parsed.insecure),
    logLevel: envLogLevel ?? parsed.logLevel,
  };
}

/** One of pino's level names. */
function parseLogLevel(text: string): ParseResult<LogLevel> {
  const value = text.trim().toLowerCase();
  return isLogLevel(value)
    ? { ok: true, value }
    : { ok: false, message: `must be one of ${LOG_LEVELS.join(", ")}, got "${text}"` };
}

/** "1"/"true" or "0"/"false", for switches set from the environment. */
function parseSwitch(text: string): ParseResult<boolean> {
  const value = text.trim().toLowerCase();
  if (value === "1" || value === "true") return { ok: true, value: true };
  if (value === "0" || value === "false") return { ok: true, value: false };
  return { ok: false, message: `must be 1, true, 0 or false, got "${text}"` };
}

/**
 * The NATS credentials the environment gives, as `nats` fields replacing every credential of
 * the file (so one kind from each never mixes); undefined when it gives none.
 */
function natsCredentialsFromEnv(
  env: Environment,
  issues: ConfigIssue[],
): NatsCredentialFields | undefined {
  const fields: NatsCredentialFields = {
    user: readEnv(env, CONFIG_ENV.natsUser),
    password: readEnv(env, CONFIG_ENV.natsPassword),
    token: readEnv(env, CONFIG_ENV.natsToken),
    credsFile: readEnv(env, CONFIG_ENV.natsCredsFile),
    nkeySeedFile: readEnv(env, CONFIG_ENV.natsNkeySeedFile),
  };
  if (Object.values(fields).every((value) => value === undefined)) return undefined;
  const result = natsCredentialsFrom(fields);
  if (!result.ok) {
    issues.push({ path: "DURABLE_AGENTS_NATS_*", message: result.message });
    return undefined;
  }
  return fields;
}
