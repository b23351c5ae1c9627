// Trace context through the server (X6): an incoming RPC's W3C `traceparent` becomes the parent
// of its `rpc <method>` span; the work it causes carries that context on (in job payloads to a
// turn on any replica, in ToolTask.trace_context to a runner). The active context lives in an
// AsyncLocalStorage of the server's own, so no global OpenTelemetry context manager is needed;
// with the API's no-op tracer (no OTLP endpoint) spans record nothing, yet each keeps its parent's
// context, so a caller's trace id still reaches the runners unchanged.
import { AsyncLocalStorage } from "node:async_hooks";
import {
  contextFromTraceContext,
  type TraceContext,
  traceContextOf,
} from "@durable-agents/tool-runner";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { JsonObject } from "../store/records.js";

export type { TraceContext };

/** What a span is to its trace, as OpenTelemetry's span kinds say it. */
export type TraceSpanKind = "server" | "internal" | "producer" | "consumer";

const SPAN_KINDS: Record<TraceSpanKind, SpanKind> = {
  server: SpanKind.SERVER,
  internal: SpanKind.INTERNAL,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

export interface TraceSpanOptions {
  kind: TraceSpanKind;
  attributes?: Attributes;
  /**
   * The parent: a remote context (an RPC's headers), `null` for a new trace.
   * @default the active context
   */
  parent?: TraceContext | null;
}

/** A started span. */
export interface TraceSpan {
  /** The span's W3C context, to hand to what it causes; undefined outside any trace. */
  readonly traceContext: TraceContext | undefined;
  /** Runs `work` with this span as the active context. */
  run<T>(work: () => T): T;
  /** Marks the span failed with `error` (it still has to be ended). */
  fail(error: unknown): void;
  setAttributes(attributes: Attributes): void;
  end(): void;
}

export interface Tracing {
  /** The W3C context of the work running now (an RPC, a turn, a job); undefined outside any. */
  active(): TraceContext | undefined;
  /** Runs `work` with `traceContext` (a remote one, e.g. from a job payload) as the active context. */
  run<T>(traceContext: TraceContext | undefined, work: () => T): T;
  startSpan(name: string, options: TraceSpanOptions): TraceSpan;
}

/**
 * Tracing on `tracer`; by default the OpenTelemetry API's global tracer, a no-op unless an
 * application registered an SDK (the context is still carried).
 */
export function createTracing(tracer: Tracer = trace.getTracer("durable-agents")): Tracing {
  const storage = new AsyncLocalStorage<Context>();
  const activeContext = () => storage.getStore() ?? ROOT_CONTEXT;
  const active = () => {
    const context = storage.getStore();
    return context === undefined ? undefined : traceContextOf(context);
  };
  // Once an AsyncLocalStorage is entered, Node 20 runs its async hooks on every promise of the
  // process from then on (5–7 % of a tool loop's CPU). A context that carries no trace (no
  // incoming `traceparent`, a no-op tracer) is only entered when it must replace one that does,
  // so a server that traces nothing never turns the hooks on; what `active()` and a span's
  // parent see is the same either way.
  const enter = <T>(context: Context, carried: TraceContext | undefined, work: () => T): T =>
    carried === undefined && active() === undefined ? work() : storage.run(context, work);
  return {
    active,
    run(traceContext, work) {
      const context = contextFromTraceContext(traceContext);
      return enter(context, traceContextOf(context), work);
    },
    startSpan(name, options) {
      const parent =
        options.parent === undefined
          ? activeContext()
          : contextFromTraceContext(options.parent ?? undefined);
      const span = tracer.startSpan(
        name,
        { kind: SPAN_KINDS[options.kind], attributes: options.attributes },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      const traceContext = traceContextOf(spanContext);
      return {
        traceContext,
        run: (work) => enter(spanContext, traceContext, work),
        fail(error) {
          if (error instanceof Error) span.recordException(error);
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
        },
        setAttributes: (attributes) => span.setAttributes(attributes),
        end: () => span.end(),
      };
    },
  };
}

/** The job payload key that carries the trace context of the work that scheduled the job. */
const TRACE_PAYLOAD_KEY = "traceContext";

/**
 * `payload` with the active trace context added, for a job whose work continues the current
 * trace (a turn, its retry, a tool dispatch); the job may run later on another replica.
 */
export function withTraceContext(tracing: Tracing, payload: JsonObject): JsonObject {
  const traceContext = tracing.active();
  if (traceContext === undefined) return payload;
  return {
    ...payload,
    [TRACE_PAYLOAD_KEY]:
      traceContext.tracestate === undefined
        ? { traceparent: traceContext.traceparent }
        : { traceparent: traceContext.traceparent, tracestate: traceContext.tracestate },
  };
}

/** The trace context a job's payload carries (see {@link withTraceContext}). */
export function traceContextOfPayload(payload: JsonObject): TraceContext | undefined {
  const value = payload[TRACE_PAYLOAD_KEY];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { traceparent, tracestate } = value;
  if (typeof traceparent !== "string") return undefined;
  return typeof tracestate === "string" ? { traceparent, tracestate } : { traceparent };
}
