// The `rpc <method>` span of every API call (X6), child of the caller's W3C `traceparent` /
// `tracestate` headers, active while the handler runs so the turns and tool calls it starts carry
// the caller's trace. Health checks and reflection are not traced: probes would drown the rest.
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { traceContextFromHeaders } from "@durable-agents/tool-runner";
import type { TraceSpan, Tracing } from "./tracing.js";

const TRACED_PACKAGE = "durable_agents.";

/** Yields `messages`, then ends `span` however the stream ends. */
async function* endWhenDone<T>(messages: AsyncIterable<T>, span: TraceSpan): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error: unknown) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}

export function rpcTracingInterceptor(tracing: Tracing): Interceptor {
  return (next) => async (request) => {
    if (!request.service.typeName.startsWith(TRACED_PACKAGE)) return next(request);
    const span = tracing.startSpan(`rpc ${request.method.name}`, {
      kind: "server",
      parent: traceContextFromHeaders(request.header) ?? null,
      attributes: {
        "rpc.system": "connect_rpc",
        "rpc.service": request.service.typeName,
        "rpc.method": request.method.name,
      },
    });
    try {
      const response = await span.run(() => next(request));
      if (response.stream) return { ...response, message: endWhenDone(response.message, span) };
      span.end();
      return response;
    } catch (error: unknown) {
      // Connect codes are the gRPC status codes.
      if (error instanceof ConnectError) span.setAttributes({ "rpc.grpc.status_code": error.code });
      span.fail(error);
      span.end();
      throw error;
    }
  };
}
