// Every handler's errors, unary or streaming, leave as gRPC statuses built by toConnectError.
import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { toConnectError } from "./errors.js";

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: Logger): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error: unknown) {
    throw toConnectError(error, logger);
  }
}

export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (request) => {
    try {
      const response = await next(request);
      if (response.stream)
        return { ...response, message: mapStreamErrors(response.message, logger) };
      return response;
    } catch (error: unknown) {
      throw toConnectError(error, logger);
    }
  };
}
