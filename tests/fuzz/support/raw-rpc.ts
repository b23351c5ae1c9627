// Raw RPC calls for the protocol fuzzer: bytes written as they are, not through a typed client,
// so a payload can be anything at all. gRPC goes over node:http2 with the 5-byte frame header
// written by the caller; Connect JSON goes over HTTP/1.1 (fetch). Each call gives back the status
// code the server answered with, or how the exchange failed without one.

import { request as httpRequest } from "node:http";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
} from "node:http2";
import { Code } from "@connectrpc/connect";

/** What a call ended with: a gRPC status code, or no status at all (and why). */
export type CallOutcome =
  | { kind: "status"; code: Code; message: string }
  | { kind: "no-status"; reason: string };

/** Histogram key of an outcome, e.g. "INVALID_ARGUMENT" or "no-status: reset". */
export function outcomeKey(outcome: CallOutcome): string {
  return outcome.kind === "status" ? codeName(outcome.code) : `no-status: ${outcome.reason}`;
}

export function codeName(code: Code): string {
  // Code has no OK (0); Code[3] is "InvalidArgument", and gRPC spells it INVALID_ARGUMENT.
  if ((code as number) === 0) return "OK";
  const name = Code[code] as string | undefined;
  return name === undefined
    ? `code ${code}`
    : name.replace(/([a-z])([A-Z])/gu, "$1_$2").toUpperCase();
}

/** The 5-byte gRPC length-prefixed message header: a flags byte and a big-endian length. */
export function grpcFrame(payload: Uint8Array, flags = 0, declaredLength = payload.length) {
  const frame = new Uint8Array(5 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, declaredLength >>> 0);
  frame.set(payload, 5);
  return frame;
}

function statusFrom(headers: IncomingHttpHeaders): CallOutcome | undefined {
  const status = headers["grpc-status"];
  if (typeof status !== "string") return undefined;
  const message = headers["grpc-message"];
  return {
    kind: "status",
    code: Number.parseInt(status, 10) as Code,
    message: typeof message === "string" ? decodeURIComponent(message) : "",
  };
}

export interface RawGrpcCall {
  /** `/package.Service/Method`. */
  path: string;
  /** The whole request body, frames included. */
  body: Uint8Array;
  /** Extra request headers, e.g. `grpc-encoding`. */
  headers?: Record<string, string>;
  /**
   * For server-streaming and bidi RPCs: settle at the first response message (status OK) or the
   * status, and cancel the call, so streams do not pile up.
   */
  isStreaming: boolean;
  timeoutMs: number;
}

/** HTTP/2 connections to one server, opened again when one closes. */
export interface RawGrpcClient {
  call(call: RawGrpcCall): Promise<CallOutcome>;
  close(): void;
}

export function createRawGrpcClient(baseUrl: string, connectionCount: number): RawGrpcClient {
  const sessions: (ClientHttp2Session | undefined)[] = new Array(connectionCount).fill(undefined);
  let next = 0;
  const session = (): ClientHttp2Session => {
    const index = next;
    next = (next + 1) % connectionCount;
    const current = sessions[index];
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const opened = connect(baseUrl);
    // A session error (a GOAWAY, a reset connection) fails its open calls; the next call opens
    // another session.
    opened.on("error", () => undefined);
    opened.on("close", () => {
      if (sessions[index] === opened) sessions[index] = undefined;
    });
    sessions[index] = opened;
    return opened;
  };

  return {
    call({ path, body, headers = {}, isStreaming, timeoutMs }) {
      return new Promise<CallOutcome>((resolve) => {
        let stream: ClientHttp2Stream;
        let outcome: CallOutcome | undefined;
        /** `cancel`: end a call still open (a stream's first message, a timeout). */
        const settle = (result: CallOutcome, cancel = false) => {
          if (outcome !== undefined) return;
          outcome = result;
          clearTimeout(timer);
          if (cancel && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          resolve(result);
        };
        const timer = setTimeout(
          () => settle({ kind: "no-status", reason: `no answer within ${timeoutMs} ms` }, true),
          timeoutMs,
        );
        try {
          stream = session().request({
            ":method": "POST",
            ":path": path,
            "content-type": "application/grpc",
            te: "trailers",
            ...headers,
          });
        } catch (error: unknown) {
          clearTimeout(timer);
          resolve({ kind: "no-status", reason: `request failed: ${String(error)}` });
          return;
        }
        stream.on("response", (responseHeaders) => {
          const status = statusFrom(responseHeaders);
          if (status !== undefined) settle(status);
          else if (responseHeaders[":status"] !== 200) {
            settle({ kind: "no-status", reason: `HTTP ${responseHeaders[":status"]}` });
          }
        });
        stream.on("data", () => {
          if (isStreaming) {
            settle({ kind: "status", code: 0 as Code, message: "first message" }, true);
          }
        });
        stream.on("trailers", (trailers) => {
          settle(statusFrom(trailers) ?? { kind: "no-status", reason: "trailers without status" });
        });
        // Writing may fail once the server has answered and reset the stream (a request larger
        // than it reads); the answer already arrived then.
        stream.on("error", () => undefined);
        stream.on("close", () => {
          settle({ kind: "no-status", reason: `closed without status (rst ${stream.rstCode})` });
        });
        stream.end(body);
      });
    },
    close() {
      for (const opened of sessions) opened?.close();
    },
  };
}

const CONNECT_CODES: Record<string, Code> = Object.fromEntries(
  Object.values(Code)
    .filter((code): code is Code => typeof code === "number")
    .map((code) => [codeName(code).toLowerCase(), code]),
);

function connectErrorCode(json: unknown): CallOutcome {
  if (typeof json === "object" && json !== null && "code" in json) {
    const code = CONNECT_CODES[String(json.code)];
    const message = "message" in json ? String(json.message) : "";
    if (code !== undefined) return { kind: "status", code, message };
  }
  return { kind: "no-status", reason: `unreadable Connect error ${JSON.stringify(json)}` };
}

/**
 * A Connect call with a JSON body over HTTP/1.1, on a connection of its own (no keep-alive race
 * with the server closing an idle connection); streaming RPCs get an enveloped body.
 */
export function connectJsonCall(input: {
  url: string;
  body: Uint8Array;
  isStreaming: boolean;
  timeoutMs: number;
}): Promise<CallOutcome> {
  return new Promise<CallOutcome>((resolve) => {
    let outcome: CallOutcome | undefined;
    const settle = (result: CallOutcome) => {
      if (outcome !== undefined) return;
      outcome = result;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => settle({ kind: "no-status", reason: `no answer within ${input.timeoutMs} ms` }),
      input.timeoutMs,
    );
    const body = input.isStreaming ? grpcFrame(input.body) : input.body;
    const request = httpRequest(input.url, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": input.isStreaming ? "application/connect+json" : "application/json",
        "content-length": String(body.length),
        "connect-protocol-version": "1",
      },
    });
    request.on("error", (error) => {
      settle({ kind: "no-status", reason: `Connect call failed: ${error.message}` });
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (input.isStreaming && response.statusCode === 200) {
          const first = readConnectStreamStart(Buffer.concat(chunks));
          if (first !== undefined) settle(first);
        }
      });
      response.on("error", () => undefined);
      response.on("end", () => {
        if (response.statusCode !== 200) {
          settle(connectErrorCode(parseJson(Buffer.concat(chunks))));
        } else if (!input.isStreaming) {
          settle({ kind: "status", code: 0 as Code, message: "" });
        } else {
          settle({ kind: "no-status", reason: "Connect stream without end-stream message" });
        }
      });
    });
    request.end(body);
  });
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return new TextDecoder().decode(bytes).slice(0, 200);
  }
}

/**
 * What a Connect stream says first, once enough of it arrived: a message (status OK; the caller
 * then cancels the call) or the end-stream message (flag 2) with the error, if any.
 */
function readConnectStreamStart(buffered: Uint8Array): CallOutcome | undefined {
  if (buffered.length < 5) return undefined;
  const view = new DataView(buffered.buffer, buffered.byteOffset, buffered.byteLength);
  if ((view.getUint8(0) & 0b10) === 0) {
    return { kind: "status", code: 0 as Code, message: "first message" };
  }
  const length = view.getUint32(1);
  if (buffered.length < 5 + length) return undefined;
  const end = parseJson(buffered.subarray(5, 5 + length));
  if (typeof end === "object" && end !== null && "error" in end) return connectErrorCode(end.error);
  return { kind: "status", code: 0 as Code, message: "" };
}
