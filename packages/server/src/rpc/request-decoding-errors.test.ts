// Regression tests for what the protocol fuzzer found (X5): connect-es answered requests it cannot
// decode with INTERNAL (a unary RPC's before any interceptor runs), in every protocol.
import { connect as connectHttp2 } from "node:http2";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import { googleRpc, healthV1 } from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { type Listener, startListener } from "../net/listener.js";
import { createHealthRegistry, ServingStatus, wholeServer } from "./health/health-registry.js";
import { createHealthService } from "./health/health-service.js";
import { createRequestDecodingErrors } from "./request-decoding-errors.js";

const { Health } = healthV1;
const MAX_REQUEST_BYTES = 1024;
const CHECK = "/grpc.health.v1.Health/Check";
const WATCH = "/grpc.health.v1.Health/Watch";
/** A HealthCheckRequest whose `service` string announces 5 bytes and holds 1. */
const TRUNCATED = new Uint8Array([0x0a, 0x05, 0x41]);

function frame(payload: Uint8Array, flags = 0): Uint8Array {
  const bytes = new Uint8Array(5 + payload.length);
  new DataView(bytes.buffer).setUint8(0, flags);
  new DataView(bytes.buffer).setUint32(1, payload.length);
  bytes.set(payload, 5);
  return bytes;
}

let started: Listener | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

async function startHealth(overrides: Partial<ServiceImpl<typeof Health>> = {}) {
  const registry = createHealthRegistry();
  registry.setStatus(wholeServer, ServingStatus.SERVING);
  const decoding = createRequestDecodingErrors({ maxRequestBytes: MAX_REQUEST_BYTES });
  started = await startListener({
    host: "127.0.0.1",
    port: 0,
    drainTimeoutMs: 60_000,
    connect: { readMaxBytes: MAX_REQUEST_BYTES, interceptors: [decoding.interceptor] },
    routes(router) {
      router.service(Health, { ...createHealthService(registry), ...overrides });
      decoding.wrapUnaryHandlers(router);
    },
  });
  return started.url;
}

/** A gRPC call over HTTP/2 with a raw body; the status from the trailers (or headers). */
async function grpcCall(
  url: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<ConnectError | undefined> {
  const session = connectHttp2(url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      const found = new Headers();
      const collect = (fields: Record<string, unknown>) => {
        for (const [key, value] of Object.entries(fields)) {
          if (!key.startsWith(":") && typeof value === "string") found.set(key, value);
        }
      };
      stream.on("response", collect);
      stream.on("trailers", collect);
      stream.on("data", () => undefined);
      stream.on("error", reject);
      stream.on("close", () => {
        if (!found.has("grpc-status")) reject(new Error("no grpc-status"));
        else resolve(findTrailerError(found));
      });
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

/** A gRPC-Web call over HTTP/1.1; the status from the trailer message ending the body. */
async function grpcWebCall(url: string, path: string, body: Uint8Array) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto" },
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(bytes[0]).toBe(0x80);
  return findTrailerError(trailerParse(bytes.subarray(5)));
}

/** A Connect unary call with a binary body over HTTP/1.1; the error from its JSON body. */
async function connectCall(url: string, path: string, body: Uint8Array) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status === 200) return { httpStatus: 200, error: undefined };
  const fallback = new ConnectError("unreadable", Code.Unknown);
  return { httpStatus: response.status, error: errorFromJsonBytes(bytes, undefined, fallback) };
}

describe("requests connect-es cannot decode (X5, DESIGN §3)", () => {
  it("answers malformed protobuf in a unary gRPC call with INVALID_ARGUMENT, not INTERNAL", async () => {
    const url = await startHealth();
    const error = await grpcCall(url, CHECK, frame(TRUNCATED));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe(
      "the request is not a valid grpc.health.v1.HealthCheckRequest: parse binary: premature EOF",
    );
    expect(error?.findDetails(googleRpc.ErrorInfoSchema)[0]?.reason).toBe("INVALID_ARGUMENT");
  });

  it("answers a compressed flag without an encoding with INVALID_ARGUMENT", async () => {
    const url = await startHealth();
    const error = await grpcCall(url, CHECK, frame(new Uint8Array(0), 1));
    expect(error?.code).toBe(Code.InvalidArgument);
  });

  it("answers malformed protobuf in a server-streaming call with INVALID_ARGUMENT", async () => {
    const url = await startHealth();
    const error = await grpcCall(url, WATCH, frame(TRUNCATED));
    expect(error?.code).toBe(Code.InvalidArgument);
  });

  it("answers malformed protobuf over gRPC-Web with INVALID_ARGUMENT", async () => {
    const url = await startHealth();
    const error = await grpcWebCall(url, CHECK, frame(TRUNCATED));
    expect(error?.code).toBe(Code.InvalidArgument);
  });

  it("answers malformed protobuf over Connect with HTTP 400 invalid_argument", async () => {
    const url = await startHealth();
    const { httpStatus, error } = await connectCall(url, CHECK, TRUNCATED);
    expect(httpStatus).toBe(400);
    expect(error?.code).toBe(Code.InvalidArgument);
  });

  it("names limits.maxRequestBytes when a request is too large, unary and streaming", async () => {
    const url = await startHealth();
    const large = frame(new Uint8Array(MAX_REQUEST_BYTES + 1));
    for (const path of [CHECK, WATCH]) {
      const error = await grpcCall(url, path, large);
      expect(error?.code).toBe(Code.ResourceExhausted);
      expect(error?.rawMessage).toContain("limits.maxRequestBytes = 1024 bytes");
      expect(error?.findDetails(googleRpc.ErrorInfoSchema)[0]?.metadata).toEqual({
        limit: "limits.maxRequestBytes",
        value: "1024",
      });
    }
  });

  it("leaves a handler's own INTERNAL alone", async () => {
    const url = await startHealth({
      check() {
        throw new ConnectError("the handler failed", Code.Internal);
      },
    });
    const failed = await grpcCall(url, CHECK, frame(new Uint8Array(0)));
    expect(failed?.code).toBe(Code.Internal);
    expect(failed?.rawMessage).toBe("the handler failed");
  });

  it("answers a valid request as before", async () => {
    const url = await startHealth();
    expect(await grpcCall(url, CHECK, frame(new Uint8Array(0)))).toBeUndefined();
    expect((await connectCall(url, CHECK, new Uint8Array(0))).httpStatus).toBe(200);
  });
});
