// Starts what the server traces with (X6): an OTLP/HTTP exporter when an endpoint is configured,
// else the OpenTelemetry API's global tracer — a no-op unless an embedding application registered
// an SDK itself — which still carries the W3C context through.

import { startOtlpTracing } from "@durable-agents/tool-runner";
import { trace } from "@opentelemetry/api";
import type { TelemetryConfig } from "../config/server-config.js";
import { createTracing, type Tracing } from "./tracing.js";

export interface Telemetry {
  readonly tracing: Tracing;
  /** Exports the spans still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = "durable-agents";

export function startTelemetry(config: TelemetryConfig): Telemetry {
  if (config.otlpTracesUrl === null) {
    return {
      tracing: createTracing(trace.getTracer(TRACER_NAME)),
      shutdown: async () => undefined,
    };
  }
  const otlp = startOtlpTracing({
    url: config.otlpTracesUrl,
    serviceName: config.serviceName,
    tracerName: TRACER_NAME,
  });
  return { tracing: createTracing(otlp.tracer), shutdown: otlp.shutdown };
}
