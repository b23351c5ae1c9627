// The structured log of the durable-agents programs (STYLE 12, X6): pino JSON, one event per
// line, at a configurable level, with the usual secret-bearing fields redacted wherever a logged
// object holds them (up to four levels deep, so a logged configuration is covered).
import pino, { type DestinationStream, type Logger } from "pino";

/** pino's levels, most to least severe, and `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** What replaces a redacted value. */
export const REDACTED = "[Redacted]";

/**
 * Field names whose values are secrets: provider API keys, the auth section's keys and JWT secret,
 * HTTP credentials, NATS passwords and tokens.
 */
const SECRET_FIELDS = [
  "apiKey",
  "apiKeys",
  "authorization",
  "Authorization",
  "cookie",
  "password",
  "pass",
  "secret",
  "token",
  "accessToken",
  "credentials",
];
const MAX_DEPTH = 4;

/** pino redact paths: each secret field at the top level and under up to MAX_DEPTH objects. */
export const REDACTED_LOG_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) =>
    [...Array<string>(depth).fill("*"), field].join("."),
  ),
);

export interface JsonLoggerOptions {
  /** The `name` field of every line, e.g. `durable-agents`. */
  name: string;
  /** @default "info" */
  level?: LogLevel;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? "info",
    redact: { paths: [...REDACTED_LOG_PATHS], censor: REDACTED },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
