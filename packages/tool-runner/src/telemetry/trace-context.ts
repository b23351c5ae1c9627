// W3C trace context (https://www.w3.org/TR/trace-context/) ⇄ OpenTelemetry contexts (X6), shared
// by tool runners and the server: the runner protocol carries it in ToolTask.trace_context and in
// the `traceparent` / `tracestate` headers of ToolOutcome messages.
import { type Context, ROOT_CONTEXT, type TextMapGetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

/** A W3C trace context, as the `traceparent` and `tracestate` headers carry it. */
export interface TraceContext {
  /** `version-traceid-parentid-flags`, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. */
  traceparent: string;
  /** Vendor-specific trace state; absent when empty. */
  tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();

const recordGetter: TextMapGetter<Record<string, string | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * The context whose remote parent is `traceContext`, on top of `base`; `base` itself when there is
 * none or its `traceparent` is not valid W3C (a caller's malformed header starts a new trace).
 */
export function contextFromTraceContext(
  traceContext: TraceContext | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (traceContext === undefined) return base;
  return propagator.extract(
    base,
    { traceparent: traceContext.traceparent, tracestate: traceContext.tracestate },
    recordGetter,
  );
}

/** The W3C form of the span `context` holds; undefined when it holds no valid one. */
export function traceContextOf(context: Context): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined || tracestate === ""
    ? { traceparent }
    : { traceparent, tracestate };
}

/**
 * Reads a trace context from headers (an RPC's, a NATS message's); undefined without a
 * `traceparent`. Validity is checked where it is used ({@link contextFromTraceContext}).
 */
export function traceContextFromHeaders(headers: {
  get(name: string): string | null | undefined;
}): TraceContext | undefined {
  const traceparent = headers.get("traceparent");
  if (traceparent === null || traceparent === undefined || traceparent === "") return undefined;
  const tracestate = headers.get("tracestate");
  return tracestate === null || tracestate === undefined || tracestate === ""
    ? { traceparent }
    : { traceparent, tracestate };
}
