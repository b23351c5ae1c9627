// Statuses for requests connect-es cannot read (DESIGN §3, X5). connect-es answers bytes that are
// not the RPC's request message, or a compressed flag without an encoding, with INTERNAL, and a
// request over `readMaxBytes` with a RESOURCE_EXHAUSTED that does not name our limit. The caller
// sent those bytes, so it gets INVALID_ARGUMENT, and the size refusal names
// `limits.maxRequestBytes` with ErrorInfo LIMIT_EXCEEDED. Other refusals keep their code, with
// their message cut short if it quotes a huge input.
//
// connect-es reads a streaming RPC's request while the interceptors run, so the interceptor maps
// what reading it throws. A unary RPC's request is read before any interceptor runs: its handler
// is wrapped, and a call that never reached the interceptors has its status rewritten in the
// protocol it was answered in (gRPC trailers, the gRPC-Web trailer message, a Connect error
// body). A status set once the request was read (the handlers' own) is never touched.
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import {
  compressedFlag,
  createAsyncIterable,
  encodeEnvelope,
  readAllBytes,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { boundedStatusText, limitExceeded, undecodableRequest } from "./errors.js";

/** Set by the interceptor: the call's request was read, so its status is the handlers'. */
const requestReadKey = createContextKey(false, {
  description: "the request of the call was decoded and reached the interceptors",
});

/** The gRPC status detail header: it holds the old status, so it goes with it. */
const statusDetailsHeader = "grpc-status-details-bin";

export interface RequestDecodingErrors {
  /** Put it first among the router's interceptors. */
  readonly interceptor: Interceptor;
  /** Wraps the router's unary handlers; call it once every service is registered. */
  wrapUnaryHandlers(router: ConnectRouter): void;
}

export function createRequestDecodingErrors(options: {
  maxRequestBytes: number;
}): RequestDecodingErrors {
  /** The status a refusal of connect-es becomes, or undefined to keep it. */
  const replacementFor = (error: ConnectError, messageType: string) => {
    switch (error.code) {
      case Code.Internal:
        return undecodableRequest(messageType, error.rawMessage);
      case Code.ResourceExhausted:
        return limitExceeded(
          `the request is larger than this server accepts (limits.maxRequestBytes = ` +
            `${options.maxRequestBytes} bytes): ${error.rawMessage}`,
          "maxRequestBytes",
          options.maxRequestBytes,
        );
      default: {
        // Other refusals keep their code, but not a message that echoes a huge input (a JSON
        // decoding error quotes the value), which would not fit in a trailer.
        const message = boundedStatusText(error.rawMessage);
        return message === error.rawMessage ? undefined : new ConnectError(message, error.code);
      }
    }
  };

  async function* mapReadErrors<T>(messages: AsyncIterable<T>, messageType: string) {
    try {
      yield* messages;
    } catch (error: unknown) {
      throw (error instanceof ConnectError && replacementFor(error, messageType)) || error;
    }
  }

  const interceptor: Interceptor = (next) => async (request) => {
    request.contextValues.set(requestReadKey, true);
    if (!request.stream) return next(request);
    return next({
      ...request,
      message: mapReadErrors(request.message, request.method.input.typeName),
    });
  };

  const wrap = (handler: UniversalHandler): UniversalHandler => {
    const messageType = handler.method.input.typeName;
    const replace = (error: ConnectError) => replacementFor(error, messageType);
    const wrapped = async (request: UniversalServerRequest) => {
      const contextValues = request.contextValues ?? createContextValues();
      const response = await handler({ ...request, contextValues });
      if (contextValues.get(requestReadKey)) return response;
      return rewriteStatus(response, replace);
    };
    return Object.assign(wrapped, {
      protocolNames: handler.protocolNames,
      service: handler.service,
      method: handler.method,
      requestPath: handler.requestPath,
      allowedMethods: handler.allowedMethods,
      supportedContentType: handler.supportedContentType,
    });
  };

  return {
    interceptor,
    wrapUnaryHandlers(router) {
      for (const [index, handler] of router.handlers.entries()) {
        if (handler.method.methodKind === "unary") router.handlers[index] = wrap(handler);
      }
    },
  };
}

type Replace = (error: ConnectError) => ConnectError | undefined;

function replaceTrailerStatus(trailer: Headers, replace: Replace): boolean {
  const error = findTrailerError(trailer);
  const replacement = error === undefined ? undefined : replace(error);
  if (replacement === undefined) return false;
  trailer.delete(statusDetailsHeader);
  setTrailerStatus(trailer, replacement);
  return true;
}

/** A unary call's status in each protocol's form; anything unexpected is left as it is. */
async function rewriteStatus(
  response: UniversalServerResponse,
  replace: Replace,
): Promise<UniversalServerResponse> {
  const contentType = response.header?.get("content-type") ?? "";
  // gRPC: the status travels in the HTTP trailers.
  if (response.trailer !== undefined) {
    replaceTrailerStatus(response.trailer, replace);
    return response;
  }
  if (response.body === undefined || response.header?.has("content-encoding")) return response;
  const body = await readAllBytes(response.body, Number.MAX_SAFE_INTEGER);
  const unchanged = { ...response, body: createAsyncIterable([body]) };
  // gRPC-Web: the status is the trailer message, the last one of the body.
  if (contentType.startsWith("application/grpc-web")) {
    const last = lastEnvelope(body);
    if (last === undefined || last.flags !== trailerFlag) return unchanged;
    const trailer = trailerParse(last.data);
    if (!replaceTrailerStatus(trailer, replace)) return unchanged;
    const envelope = encodeEnvelope(trailerFlag, trailerSerialize(trailer));
    const rewritten = new Uint8Array(last.offset + envelope.length);
    rewritten.set(body.subarray(0, last.offset));
    rewritten.set(envelope, last.offset);
    return { ...response, body: createAsyncIterable([rewritten]) };
  }
  // Connect: an error is a JSON body with an HTTP status of its own.
  if (contentType === "application/json" && response.status !== 200) {
    const fallback = new ConnectError("unreadable error", Code.Unknown);
    const replacement = replace(errorFromJsonBytes(body, undefined, fallback));
    if (replacement === undefined) return unchanged;
    const json = errorToJsonBytes(replacement, {});
    const header = new Headers(response.header);
    header.set("content-length", String(json.length));
    return {
      ...response,
      status: codeToHttpStatus(replacement.code),
      header,
      body: createAsyncIterable([json]),
    };
  }
  return unchanged;
}

/** The last length-prefixed message of a body (flags byte, 4-byte length), if it is whole. */
function lastEnvelope(body: Uint8Array) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let last: { offset: number; flags: number; data: Uint8Array } | undefined;
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = view.getUint8(offset);
    const end = offset + 5 + view.getUint32(offset + 1);
    if (end > body.length) return undefined;
    last = { offset, flags, data: body.subarray(offset + 5, end) };
    offset = end;
  }
  if (last === undefined || offset !== body.length || (last.flags & compressedFlag) !== 0) {
    return undefined;
  }
  return last;
}
