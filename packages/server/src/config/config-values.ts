// Parsers of the configuration values written as strings (DESIGN §5), shared by the file schema,
// the environment and the command line so all three accept exactly the same forms.
// Store and NATS URLs may hold passwords: a refused one is shown without them (STYLE 12).
import { redactUrlCredentials } from "../store/redact-url-credentials.js";

/** A value parsed from text, or why it could not be. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A host and TCP port to listen on. */
export interface ListenAddress {
  /** Host name or IP address; IPv6 without brackets. */
  host: string;
  /** TCP port; 0 picks a free port (tests). */
  port: number;
}

/** Where the server keeps its state (DESIGN §4). */
export type StoreLocation =
  | {
      type: "sqlite";
      /** Database file path, as written (relative paths are relative to the working directory). */
      path: string;
    }
  | {
      type: "postgres";
      /** The `postgres://…` connection URL. */
      url: string;
    };

const LISTEN = /^(?:\[(?<ipv6>[^\]]+)\]|(?<host>[^:[\]\s]+)):(?<port>\d{1,5})$/u;
const MAX_PORT = 65_535;

/** Parses "HOST:PORT" (IPv6 as "[::1]:7700"). */
export function parseListenAddress(text: string): ParseResult<ListenAddress> {
  const groups = LISTEN.exec(text.trim())?.groups;
  const host = groups?.ipv6 ?? groups?.host;
  const port = Number(groups?.port);
  if (host === undefined || !Number.isInteger(port) || port > MAX_PORT) {
    return { ok: false, message: `must be HOST:PORT with a port from 0 to 65535, got "${text}"` };
  }
  return { ok: true, value: { host, port } };
}

const SQLITE_PREFIX = "sqlite:";
const POSTGRES_URL = /^postgres(?:ql)?:\/\/\S+$/u;

/** Parses `sqlite:PATH` or `postgres://…` (also `postgresql://…`). */
export function parseStoreLocation(text: string): ParseResult<StoreLocation> {
  if (text.startsWith(SQLITE_PREFIX) && text.length > SQLITE_PREFIX.length) {
    return { ok: true, value: { type: "sqlite", path: text.slice(SQLITE_PREFIX.length) } };
  }
  if (POSTGRES_URL.test(text)) return { ok: true, value: { type: "postgres", url: text } };
  return {
    ok: false,
    message: `must be "sqlite:PATH" or "postgres://…", got "${redactUrlCredentials(text)}"`,
  };
}

/**
 * NATS subject prefixes become subject tokens (`<prefix>.tools.exec.<tool>`) and stream names
 * (`<PREFIX>_TOOLS`), so they may hold only characters valid in both.
 */
const NATS_PREFIX = /^[A-Za-z0-9_-]+$/u;

/** Checks a NATS subject prefix. */
export function parseNatsPrefix(text: string): ParseResult<string> {
  return NATS_PREFIX.test(text)
    ? { ok: true, value: text }
    : { ok: false, message: `must be letters, digits, "_" or "-" only, got "${text}"` };
}

const NATS_SCHEMES = new Set(["nats:", "tls:", "ws:", "wss:"]);

function isNatsServerUrl(text: string): boolean {
  try {
    const url = new URL(text.includes("://") ? text : `nats://${text}`);
    return NATS_SCHEMES.has(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * Checks a NATS server list as nats.js takes it: comma-separated `nats://HOST:PORT` entries
 * (`tls://`, `ws://`, `wss://`, credentials, or no scheme also accepted).
 */
export function parseNatsUrl(text: string): ParseResult<string> {
  const urls = text.split(",").map((url) => url.trim());
  return urls.every(isNatsServerUrl)
    ? { ok: true, value: urls.join(",") }
    : {
        ok: false,
        message: `must be nats://HOST:PORT (comma-separated for several), got "${redactUrlCredentials(text)}"`,
      };
}
