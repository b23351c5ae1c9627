// The configuration of `durable-agents-runner` (DESIGN §5): command-line flags over the
// environment (DURABLE_AGENTS_NATS_URL, DURABLE_AGENTS_NATS_PREFIX, the NATS credentials of X5,
// DURABLE_AGENTS_LOG_LEVEL and the standard OTEL_* variables of X6), validated in one place.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { type NatsCredentials, natsCredentialsFrom } from "../nats/nats-credentials.js";
import { DEFAULT_PREFIX } from "../nats/protocol-names.js";
import { LOG_LEVELS, type LogLevel } from "../telemetry/json-logger.js";
import { otlpTracesUrl } from "../telemetry/otlp-tracing.js";

export const USAGE = `usage: durable-agents-runner --nats URL [--module FILE] [--demo] [--concurrency N]
                             [--prefix P] [--runner-id ID] [--metrics-listen HOST:PORT]
                             [--log-level LEVEL]

  --nats URL         NATS server(s), comma-separated (default: $DURABLE_AGENTS_NATS_URL)
  --module FILE      serve every ToolDefinition the module exports (default export or named)
  --demo             serve the demo agent's tools (get_weather, request_approval)
  --concurrency N    most handlers running at once (default 16)
  --prefix P         NATS subject/stream prefix (default: $DURABLE_AGENTS_NATS_PREFIX or
                     ${DEFAULT_PREFIX})
  --runner-id ID     this runner's id (default <hostname>-<pid>-<random>)
  --metrics-listen HOST:PORT
                     serve Prometheus metrics on GET http://HOST:PORT/metrics (default off)
  --log-level LEVEL  fatal, error, warn, info, debug, trace or silent (default:
                     $DURABLE_AGENTS_LOG_LEVEL or info)

Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set.

NATS credentials (at most one kind; --password and --token show in ps, prefer the file
flags or the environment):
  --user U --password-file FILE
                          user, and a file holding the password (trailing newline ignored)
  --token-file FILE       a file holding the token (trailing newline ignored)
  --user U --password P   user and password ($DURABLE_AGENTS_NATS_USER,
                          $DURABLE_AGENTS_NATS_PASSWORD)
  --token T               token ($DURABLE_AGENTS_NATS_TOKEN)
  --creds FILE            credentials file: user JWT and nkey seed ($DURABLE_AGENTS_NATS_CREDS)
  --nkey FILE             nkey seed file ($DURABLE_AGENTS_NATS_NKEY)`;

/** What the runner CLI was asked to do. */
export interface RunnerCliConfig {
  natsUrl: string;
  /** Module files whose exported tools to serve, as given (relative to the working directory). */
  modules: string[];
  demo: boolean;
  concurrency: number | undefined;
  prefix: string;
  runnerId: string | undefined;
  /** How to authenticate to NATS; undefined connects without credentials. */
  credentials: NatsCredentials | undefined;
  /** Where to serve `GET /metrics`; undefined serves no metrics. */
  metricsListen: { host: string; port: number } | undefined;
  logLevel: LogLevel;
  /** The OTLP/HTTP traces URL the OTEL_* variables name; undefined exports no spans. */
  otlpTracesUrl: string | undefined;
  /** `service.name` of the exported spans (OTEL_SERVICE_NAME). */
  serviceName: string;
}

/** Bad flags or environment: the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}

/**
 * The secret a `--password-file`/`--token-file` flag names (X5): a flag's value shows in `ps` to
 * every user of the machine, a file's contents only to those who may read it. One trailing newline
 * (`echo secret > file`) is not part of the secret. The secret is read once, at start-up; the
 * messages name the flag and the file, never the contents.
 */
function secretFromFile(flag: string, value: string | undefined, path: string | undefined) {
  if (path === undefined) return value;
  if (value !== undefined) throw new UsageError(`give --${flag} or --${flag}-file, not both`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`cannot read the --${flag}-file ${path} (${code})`);
  }
  const secret = text.replace(/\r?\n$/u, "");
  if (secret === "") throw new UsageError(`the --${flag}-file ${path} is empty`);
  return secret;
}

/** HOST:PORT, IPv6 as `[::1]:9464`, as the server's `--listen` takes it. */
const LISTEN = /^(?:\[(?<ipv6>[^\]]+)\]|(?<host>[^:[\]\s]+)):(?<port>\d{1,5})$/u;

const listenAddress = z.string().transform((text, context) => {
  const groups = LISTEN.exec(text.trim())?.groups;
  const host = groups?.ipv6 ?? groups?.host;
  const port = Number(groups?.port);
  if (host === undefined || !Number.isInteger(port) || port > 65_535) {
    context.addIssue({
      code: "custom",
      message: `--metrics-listen must be HOST:PORT with a port from 0 to 65535, got "${text}"`,
    });
    return z.NEVER;
  }
  return { host, port };
});

const configSchema = z
  .object({
    natsUrl: z.string({ error: "--nats or DURABLE_AGENTS_NATS_URL is required" }).min(1, {
      error: "--nats or DURABLE_AGENTS_NATS_URL is required",
    }),
    modules: z.array(z.string().min(1)),
    demo: z.boolean(),
    concurrency: z.coerce
      .number<string>()
      .int({ error: "--concurrency must be a whole number" })
      .min(1, { error: "--concurrency must be at least 1" })
      .optional(),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: "--prefix must be letters, digits, '_' or '-'" }),
    runnerId: z.string().min(1).optional(),
    metricsListen: listenAddress.optional(),
    logLevel: z.enum(LOG_LEVELS, {
      error: `--log-level (or DURABLE_AGENTS_LOG_LEVEL) must be one of ${LOG_LEVELS.join(", ")}`,
    }),
  })
  .refine((config) => config.demo || config.modules.length > 0, {
    error: "nothing to serve: give --module FILE and/or --demo",
  });

/** Reads the flags (`argv` without node and the script) and the environment. */
export function parseRunnerCliConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): RunnerCliConfig {
  let values: ReturnType<typeof parseFlags>["values"];
  try {
    values = parseFlags(argv).values;
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const nonEmpty = (value: string | undefined) => (value === "" ? undefined : value);
  const parsed = configSchema.safeParse({
    natsUrl: values.nats ?? nonEmpty(env.DURABLE_AGENTS_NATS_URL),
    modules: values.module ?? [],
    demo: values.demo ?? false,
    concurrency: values.concurrency,
    prefix: values.prefix ?? nonEmpty(env.DURABLE_AGENTS_NATS_PREFIX) ?? DEFAULT_PREFIX,
    runnerId: values["runner-id"],
    metricsListen: values["metrics-listen"],
    logLevel: values["log-level"] ?? nonEmpty(env.DURABLE_AGENTS_LOG_LEVEL) ?? "info",
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  }
  // A flag replaces the environment's credentials as a whole, so one kind from each never mixes.
  const flagCredentials = [
    values.user,
    values.password,
    values["password-file"],
    values.token,
    values["token-file"],
    values.creds,
    values.nkey,
  ].some((value) => value !== undefined);
  const credentials = natsCredentialsFrom(
    flagCredentials
      ? {
          user: values.user,
          password: secretFromFile("password", values.password, values["password-file"]),
          token: secretFromFile("token", values.token, values["token-file"]),
          credsFile: values.creds,
          nkeySeedFile: values.nkey,
        }
      : {
          user: env.DURABLE_AGENTS_NATS_USER,
          password: env.DURABLE_AGENTS_NATS_PASSWORD,
          token: env.DURABLE_AGENTS_NATS_TOKEN,
          credsFile: env.DURABLE_AGENTS_NATS_CREDS,
          nkeySeedFile: env.DURABLE_AGENTS_NATS_NKEY,
        },
  );
  if (!credentials.ok) throw new UsageError(credentials.message);
  return {
    ...parsed.data,
    concurrency: parsed.data.concurrency,
    runnerId: parsed.data.runnerId,
    credentials: credentials.credentials,
    metricsListen: parsed.data.metricsListen,
    otlpTracesUrl: otlpTracesUrl(env),
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? "durable-agents-runner",
  };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      nats: { type: "string" },
      module: { type: "string", multiple: true },
      demo: { type: "boolean" },
      concurrency: { type: "string" },
      prefix: { type: "string" },
      "runner-id": { type: "string" },
      "metrics-listen": { type: "string" },
      "log-level": { type: "string" },
      user: { type: "string" },
      password: { type: "string" },
      "password-file": { type: "string" },
      token: { type: "string" },
      "token-file": { type: "string" },
      creds: { type: "string" },
      nkey: { type: "string" },
    },
  });
}
