// A tiny OTLP/HTTP trace collector for tests (X6): it accepts `POST /v1/traces` in the JSON
// encoding (what @opentelemetry/exporter-trace-otlp-http sends) and keeps every span it got.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A received span, ids as lower-case hex. */
export interface CollectedSpan {
  name: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  /** The `service.name` of the resource that sent it. */
  serviceName: string;
}

export interface OtlpCollector {
  /** The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  readonly url: string;
  readonly spans: CollectedSpan[];
  close(): Promise<void>;
}

interface JsonAttribute {
  key?: string;
  value?: { stringValue?: string };
}
interface JsonSpan {
  name?: string;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
}
interface JsonTraces {
  resourceSpans?: {
    resource?: { attributes?: JsonAttribute[] };
    scopeSpans?: { spans?: JsonSpan[] }[];
  }[];
}

/** OTLP/JSON ids are hex; some encoders send base64: both become hex. */
function hexId(id: string | undefined): string {
  if (id === undefined || id === "") return "";
  return /^[0-9a-f]+$/iu.test(id) && (id.length === 32 || id.length === 16)
    ? id.toLowerCase()
    : Buffer.from(id, "base64").toString("hex");
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      if (!String(request.headers["content-type"]).startsWith("application/json")) {
        response.writeHead(415).end();
        return;
      }
      const traces = JSON.parse(body) as JsonTraces;
      for (const resourceSpans of traces.resourceSpans ?? []) {
        const serviceName =
          resourceSpans.resource?.attributes?.find((attribute) => attribute.key === "service.name")
            ?.value?.stringValue ?? "";
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              name: span.name ?? "",
              traceId: hexId(span.traceId),
              spanId: hexId(span.spanId),
              parentSpanId: hexId(span.parentSpanId),
              serviceName,
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
