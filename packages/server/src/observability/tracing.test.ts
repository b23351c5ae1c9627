import { AsyncLocalStorage } from "node:async_hooks";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTracing, traceContextOfPayload, withTraceContext } from "./tracing.js";

const CALLER = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "acme=t61rcWkgMzE",
};

describe("createTracing without an SDK (the API's no-op tracer)", () => {
  const tracing = createTracing(trace.getTracer("test"));

  it("carries a caller's context unchanged through spans, runs and job payloads", async () => {
    const rpc = tracing.startSpan("rpc SendMessage", { kind: "server", parent: CALLER });
    expect(rpc.traceContext).toEqual(CALLER);
    const payload = await rpc.run(async () => {
      await Promise.resolve();
      return withTraceContext(tracing, { streamId: "s-1" });
    });
    expect(payload).toEqual({ streamId: "s-1", traceContext: CALLER });
    const seenByJob = tracing.run(traceContextOfPayload(payload), () => {
      const turn = tracing.startSpan("turn", { kind: "internal" });
      return turn.run(() => tracing.active());
    });
    expect(seenByJob).toEqual(CALLER);
  });

  it("has no context outside any, or for a caller's malformed traceparent", () => {
    expect(tracing.active()).toBeUndefined();
    expect(withTraceContext(tracing, { a: 1 })).toEqual({ a: 1 });
    const bad = tracing.startSpan("rpc X", { kind: "server", parent: { traceparent: "00-zz" } });
    expect(bad.traceContext).toBeUndefined();
    expect(tracing.startSpan("root", { kind: "internal", parent: null }).traceContext).toBe(
      undefined,
    );
  });

  it("enters no AsyncLocalStorage when there is no trace to carry", async () => {
    // Node 20 runs promise hooks for the whole process once one is entered (a tool loop's 5–7 %).
    const enter = vi.spyOn(AsyncLocalStorage.prototype, "run");
    try {
      const span = tracing.startSpan("rpc SendMessage", { kind: "server", parent: null });
      const seen = await span.run(() => tracing.run(undefined, async () => tracing.active()));
      expect(seen).toBeUndefined();
      expect(enter).not.toHaveBeenCalled();
    } finally {
      enter.mockRestore();
    }
  });

  it("clears a caller's context for work that carries none", async () => {
    const rpc = tracing.startSpan("rpc SendMessage", { kind: "server", parent: CALLER });
    const seen = await rpc.run(async () => {
      await Promise.resolve();
      const root = tracing.startSpan("root", { kind: "internal", parent: null });
      return {
        job: tracing.run(undefined, () => tracing.active()),
        root: root.run(() => tracing.active()),
        after: tracing.active(),
      };
    });
    expect(seen).toEqual({ job: undefined, root: undefined, after: CALLER });
  });

  it("reads only a well-formed trace context from a payload", () => {
    expect(traceContextOfPayload({})).toBeUndefined();
    expect(traceContextOfPayload({ traceContext: "00-x" })).toBeUndefined();
    expect(traceContextOfPayload({ traceContext: { traceparent: 1 } })).toBeUndefined();
    expect(traceContextOfPayload({ traceContext: { traceparent: "p" } })).toEqual({
      traceparent: "p",
    });
  });
});

describe("createTracing with an SDK", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracing = createTracing(provider.getTracer("test"));
  afterEach(() => exporter.reset());

  it("makes spans children of the caller's context and of the active span", async () => {
    const rpc = tracing.startSpan("rpc CreateThread", { kind: "server", parent: CALLER });
    const carried = await rpc.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return tracing.active();
    });
    rpc.end();
    const tool = tracing.run(carried, () => {
      const span = tracing.startSpan("tool get_weather", { kind: "producer" });
      span.fail(new Error("runner unavailable"));
      span.end();
      return span;
    });

    const [rpcSpan, toolSpan] = exporter.getFinishedSpans();
    expect(rpcSpan?.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(rpcSpan?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(carried?.traceparent).toBe(
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${rpcSpan?.spanContext().spanId}-01`,
    );
    expect(carried?.tracestate).toBe(CALLER.tracestate);
    expect(toolSpan?.name).toBe("tool get_weather");
    expect(toolSpan?.parentSpanContext?.spanId).toBe(rpcSpan?.spanContext().spanId);
    expect(toolSpan?.status).toMatchObject({ code: 2, message: "runner unavailable" });
    expect(tool.traceContext?.traceparent).toContain(toolSpan?.spanContext().spanId);
  });

  it("starts a new trace for parent null, whatever is active", () => {
    const outer = tracing.startSpan("outer", { kind: "internal", parent: CALLER });
    const root = outer.run(() => tracing.startSpan("root", { kind: "internal", parent: null }));
    root.end();
    outer.end();
    const [rootSpan] = exporter.getFinishedSpans();
    expect(rootSpan?.parentSpanContext).toBeUndefined();
    expect(rootSpan?.spanContext().traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
