// Span export over OTLP/HTTP (X6), started only when an endpoint is configured: without one no
// SDK runs and the API's no-op tracer still carries the W3C context through (trace-context.ts).
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface OtlpTracingOptions {
  /** The OTLP/HTTP traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  url: string;
  /** The `service.name` of the spans, e.g. `durable-agents` or `durable-agents-runner`. */
  serviceName: string;
  /** The name of the tracer the spans come from (the instrumentation scope). */
  tracerName: string;
}

/** A running span exporter and the tracer whose spans it exports. */
export interface OtlpTracing {
  readonly tracer: Tracer;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts a tracer provider that batches spans to `url`. It is not registered globally: several
 * servers (tests) or an embedding application's own provider may share the process.
 * `OTEL_EXPORTER_OTLP_HEADERS` and the other standard exporter variables still apply.
 */
export function startOtlpTracing(options: OtlpTracingOptions): OtlpTracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url }))],
  });
  return {
    tracer: provider.getTracer(options.tracerName),
    shutdown: () => provider.shutdown(),
  };
}

/** The standard environment variables that say where spans go (X6). */
export interface OtlpEnvironment {
  OTEL_SDK_DISABLED?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
}

/**
 * The OTLP/HTTP traces URL the standard variables name: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as
 * is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces` (the OTLP exporter specification), else
 * `fallbackEndpoint` the same way; undefined when none is set or `OTEL_SDK_DISABLED=true`.
 */
export function otlpTracesUrl(
  env: OtlpEnvironment,
  fallbackEndpoint?: string | null,
): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces !== undefined && traces !== "") return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || fallbackEndpoint?.trim();
  if (base === undefined || base === null || base === "") return undefined;
  return `${base.replace(/\/+$/u, "")}/v1/traces`;
}
