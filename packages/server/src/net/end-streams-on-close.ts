import type { Interceptor } from "@connectrpc/connect";

/**
 * A server interceptor that aborts the signal streaming handlers see once `closing` is aborted,
 * and leaves unary calls alone. A graceful close must let a unary call finish, yet a
 * server-streaming call (Health.Watch, StreamUpdates, WatchThread) only ends when told to, so
 * closing would otherwise wait for its drain timeout. connect's own `shutdownSignal` cannot
 * make that distinction: it aborts every handler's signal at once.
 *
 * It works because connect hands the implementation the interceptor's `signal` (as
 * `HandlerContext.signal`); listener tests cover that contract.
 */
export function endStreamsOnClose(closing: AbortSignal): Interceptor {
  return (next) => (request) =>
    request.stream
      ? next({ ...request, signal: AbortSignal.any([request.signal, closing]) })
      : next(request);
}
