import { once } from "node:events";
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { healthV1, reflectionV1 } from "@durable-agents/core/proto";
import { afterEach, describe, expect, it } from "vitest";
import { createHealthRegistry, ServingStatus } from "../rpc/health/health-registry.js";
import { createHealthService } from "../rpc/health/health-service.js";
import { registerServerReflection } from "../rpc/reflection/reflection-service.js";
import { type Listener, type ListenerOptions, startListener } from "./listener.js";

const { Health } = healthV1;

/** A drain timeout no test waits for: a close that hangs fails the test by its own timeout. */
const neverMs = 60_000;

/** The listener of the running test, closed after it. */
let started: Listener | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

/** Starts a listener serving the health service and reflection, on a free port. */
async function startHealthListener(options: Partial<ListenerOptions> = {}) {
  const registry = createHealthRegistry();
  started = await startListener({
    host: "127.0.0.1",
    port: 0,
    drainTimeoutMs: neverMs,
    routes(router) {
      router.service(Health, createHealthService(registry));
      registerServerReflection(router, { services: [Health] });
    },
    ...options,
  });
  return { registry, listener: started };
}

const transports: Record<string, (baseUrl: string) => Transport> = {
  "gRPC over HTTP/2": (baseUrl) => createGrpcTransport({ baseUrl }),
  "Connect over HTTP/1.1": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
  "Connect over HTTP/2": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2" }),
  "gRPC-Web over HTTP/1.1": (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
};

describe.each(Object.entries(transports))("one port serves %s", (_name, createTransport) => {
  it("answers a unary call", async () => {
    const { listener } = await startHealthListener();
    const health = createClient(Health, createTransport(listener.url));
    expect(await health.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
  });

  it("pushes a status change to a server-streaming call", async () => {
    const { registry, listener } = await startHealthListener();
    const health = createClient(Health, createTransport(listener.url));
    const cancel = new AbortController();
    const watch = health.watch({ service: "" }, { signal: cancel.signal })[Symbol.asyncIterator]();
    expect((await watch.next()).value).toMatchObject({ status: ServingStatus.SERVING });
    registry.setStatus("", ServingStatus.NOT_SERVING);
    expect((await watch.next()).value).toMatchObject({ status: ServingStatus.NOT_SERVING });
    // connect's client iterators have no return(): a call is cancelled through its signal.
    cancel.abort();
  });
});

it("serves every protocol on the same port at the same time", async () => {
  const { listener } = await startHealthListener();
  const answers = await Promise.all(
    Object.values(transports).map((createTransport) =>
      createClient(Health, createTransport(listener.url)).check({ service: "" }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(
    Object.keys(transports).map(() => ServingStatus.SERVING),
  );
});

describe.each([
  ["gRPC over HTTP/2", (baseUrl: string) => createGrpcTransport({ baseUrl })],
  [
    "Connect over HTTP/2",
    (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "2" }),
  ],
])("one port serves reflection's bidi stream over %s", (_name, createTransport) => {
  it("lists the services and describes one", async () => {
    const { listener } = await startHealthListener();
    const reflection = createClient(reflectionV1.ServerReflection, createTransport(listener.url));
    const responses = [];
    for await (const response of reflection.serverReflectionInfo(
      requestsOf([
        { messageRequest: { case: "listServices", value: "" } },
        { messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.Health" } },
      ]),
    )) {
      responses.push(response.messageResponse);
    }

    const [list, file] = responses;
    expect(
      list?.case === "listServicesResponse" && list.value.service.map((s) => s.name),
    ).toContain("grpc.health.v1.Health");
    const descriptor =
      file?.case === "fileDescriptorResponse" ? file.value.fileDescriptorProto[0] : undefined;
    const decoded = fromBinary(FileDescriptorProtoSchema, descriptor ?? new Uint8Array());
    expect(decoded.service.map((service) => service.name)).toEqual(["Health"]);
  });
});

describe("plain HTTP beside the RPCs", () => {
  it("serves non-RPC paths through the fallback, over HTTP/1.1 and HTTP/2", async () => {
    const { listener } = await startHealthListener({
      fallback: (request, response) => {
        response.writeHead(200, { "content-type": "text/plain" });
        response.end(`fallback saw ${request.url}`);
      },
    });

    const overHttp1 = await fetch(`${listener.url}/metrics`);
    expect(await overHttp1.text()).toBe("fallback saw /metrics");

    const session = connectHttp2(listener.url);
    const stream = session.request({ ":path": "/console" });
    stream.end();
    let body = "";
    for await (const chunk of stream) body += String(chunk);
    session.close();
    expect(body).toBe("fallback saw /console");
  });

  it("lets intercept answer its paths before the router, over HTTP/1.1 and HTTP/2", async () => {
    const { listener } = await startHealthListener({
      intercept: (request, response) => {
        if (request.url !== "/metrics") return false;
        response.writeHead(200, { "content-type": "text/plain" });
        response.end(`intercepted ${request.httpVersion}`);
        return true;
      },
    });

    expect(await (await fetch(`${listener.url}/metrics`)).text()).toBe("intercepted 1.1");
    const session = connectHttp2(listener.url);
    const stream = session.request({ ":path": "/metrics" });
    stream.end();
    let body = "";
    for await (const chunk of stream) body += String(chunk);
    session.close();
    expect(body).toBe("intercepted 2.0");
    // What it leaves reaches the RPCs.
    const health = createClient(Health, createGrpcTransport({ baseUrl: listener.url }));
    expect(await health.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
  });

  it("answers an unknown path with 404 by default", async () => {
    const { listener } = await startHealthListener();
    expect((await fetch(`${listener.url}/nothing-here`)).status).toBe(404);
  });
});

describe("close", () => {
  it("binds port 0 to a free port and exposes it", async () => {
    const { listener } = await startHealthListener();
    expect(listener.address.port).toBeGreaterThan(0);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.address.port}`);
  });

  it.each(Object.entries(transports))(
    "ends an open Watch over %s and resolves",
    async (_name, createTransport) => {
      const { listener } = await startHealthListener();
      const health = createClient(Health, createTransport(listener.url));
      const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
      expect((await watch.next()).value).toMatchObject({ status: ServingStatus.SERVING });

      // The client keeps reading while the server closes, as a real one does: a graceful close
      // waits for each client to take the end of its stream.
      const closed = listener.close();
      expect(await watch.next()).toMatchObject({ done: true });
      await closed;
    },
  );

  it("tells watchers NOT_SERVING when health enters shutdown before the close", async () => {
    const { registry, listener } = await startHealthListener();
    const health = createClient(Health, createGrpcTransport({ baseUrl: listener.url }));
    const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
    expect((await watch.next()).value).toMatchObject({ status: ServingStatus.SERVING });

    registry.enterShutdown();
    const closed = listener.close();
    expect((await watch.next()).value).toMatchObject({ status: ServingStatus.NOT_SERVING });
    expect(await watch.next()).toMatchObject({ done: true });
    await closed;
  });

  it("ends an open reflection stream whose client stays silent", async () => {
    const { listener } = await startHealthListener();
    const reflection = createClient(
      reflectionV1.ServerReflection,
      createGrpcTransport({ baseUrl: listener.url }),
    );
    const silentClient = new AbortController();
    const responses = reflection
      .serverReflectionInfo(
        requestsOf([{ messageRequest: { case: "listServices", value: "" } }], silentClient.signal),
      )
      [Symbol.asyncIterator]();
    expect((await responses.next()).value?.messageResponse.case).toBe("listServicesResponse");

    const closed = listener.close();
    expect(await responses.next()).toMatchObject({ done: true });
    await closed;
    silentClient.abort();
  });

  it.each(["gRPC over HTTP/2", "Connect over HTTP/1.1"])(
    "lets an in-flight unary call over %s finish, refusing new connections meanwhile",
    async (name) => {
      const slow = await startSlowCheckListener();
      const createTransport = transports[name];
      if (createTransport === undefined) throw new Error(`no transport ${name}`);
      const call = createClient(Health, createTransport(slow.listener.url)).check({});
      await slow.checkStarted;

      const closed = slow.listener.close();
      const refused = connectTcp(slow.listener.address.port, slow.listener.address.host);
      const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
      expect(error.code).toBe("ECONNREFUSED");

      slow.finish();
      expect(await call).toMatchObject({ status: ServingStatus.SERVING });
      await closed;
    },
  );

  it("is not held up by a connection that never sends a byte", async () => {
    const { listener } = await startHealthListener({ firstBytesTimeoutMs: neverMs });
    const silent = connectTcp(listener.address.port, listener.address.host);
    await once(silent, "connect");
    const silentClosed = once(silent, "close");

    await listener.close();
    await silentClosed;
  });

  it("destroys connections still busy when the drain timeout passes", async () => {
    let markCheckStarted: () => void = () => {};
    const checkStarted = new Promise<void>((resolve) => {
      markCheckStarted = resolve;
    });
    started = await startListener({
      host: "127.0.0.1",
      port: 0,
      drainTimeoutMs: 50,
      routes(router) {
        router.service(Health, {
          // A unary call that ends only when its connection is gone.
          check: (_request, context) =>
            new Promise((_resolve, reject) => {
              context.signal.addEventListener("abort", () => reject(context.signal.reason));
              markCheckStarted();
            }),
        });
      },
    });
    const call = createClient(Health, createGrpcTransport({ baseUrl: started.url })).check({});
    const outcome = call.then(
      () => "answered",
      () => "failed",
    );
    await checkStarted;

    await started.close();
    expect(await outcome).toBe("failed");
  });
});

/** A request stream of `messages` that, given a signal, stays open until it aborts. */
async function* requestsOf<T>(messages: T[], keepOpenUntil?: AbortSignal): AsyncGenerator<T> {
  yield* messages;
  if (keepOpenUntil !== undefined && !keepOpenUntil.aborted) await once(keepOpenUntil, "abort");
}

/** A listener whose Health.Check waits, signal or not, until the test lets it finish. */
async function startSlowCheckListener() {
  let markCheckStarted: () => void = () => {};
  const checkStarted = new Promise<void>((resolve) => {
    markCheckStarted = resolve;
  });
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  started = await startListener({
    host: "127.0.0.1",
    port: 0,
    drainTimeoutMs: neverMs,
    routes(router) {
      router.service(Health, {
        async check(_request, context) {
          markCheckStarted();
          await finished;
          // A unary call must not be told to stop by a graceful close.
          return {
            status: context.signal.aborted ? ServingStatus.UNKNOWN : ServingStatus.SERVING,
          };
        },
      });
    },
  });
  return { listener: started, checkStarted, finish };
}
