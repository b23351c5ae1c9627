// `GET /metrics` in the Prometheus text format (X6), for the server's API port and for a port of
// its own (`durable-agents-runner --metrics-listen`, the server's `metrics.listen`).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** The path metrics are served on. */
export const METRICS_PATH = "/metrics";

/** What the metrics answer reads of a request: node's HTTP/1.x and HTTP/2 requests both fit. */
export interface MetricsHttpRequest {
  readonly url?: string | undefined;
  readonly method?: string | undefined;
}

/** What the metrics answer writes to a response: node's HTTP/1.x and HTTP/2 responses both fit. */
export interface MetricsHttpResponse {
  statusCode: number;
  setHeader(name: string, value: string | number): unknown;
  end(body: string): unknown;
}

/**
 * Answers `request` when it asks for {@link METRICS_PATH} (GET or HEAD; other methods get 405)
 * and returns true; returns false for any other path, which is then the caller's to answer.
 * Works for HTTP/1.x and HTTP/2 requests alike.
 */
export function answerMetricsRequest(
  registry: Registry,
  request: MetricsHttpRequest,
  response: MetricsHttpResponse,
): boolean {
  const path = (request.url ?? "").split("?", 1)[0];
  if (path !== METRICS_PATH) return false;
  const reply = (status: number, contentType: string, body: string) => {
    response.statusCode = status;
    response.setHeader("content-type", contentType);
    response.setHeader("content-length", Buffer.byteLength(body));
    response.end(request.method === "HEAD" ? "" : body);
  };
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    reply(405, "text/plain; charset=utf-8", "method not allowed\n");
    return true;
  }
  registry.metrics().then(
    (text) => reply(200, registry.contentType, text),
    (error: unknown) =>
      reply(
        500,
        "text/plain; charset=utf-8",
        `collecting metrics failed: ${error instanceof Error ? error.message : String(error)}\n`,
      ),
  );
  return true;
}

/** An HTTP server of its own serving `GET /metrics`. */
export interface MetricsServer {
  readonly address: { readonly host: string; readonly port: number };
  /** `http://HOST:PORT/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `registry` on `GET /metrics` at `host:port` (port 0 picks a free one). */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  registry: Registry;
}): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (answerMetricsRequest(options.registry, request, response)) return;
    response.statusCode = 404;
    response.end("not found; metrics are at /metrics\n");
  });
  server.listen({ host: options.host, port: options.port });
  await once(server, "listening");
  const bound = server.address() as AddressInfo;
  const host = bound.address.includes(":") ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    url: `http://${host}:${bound.port}${METRICS_PATH}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; nothing a scrape holds needs draining.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
