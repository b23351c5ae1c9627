// The transport floors: what connect-node itself costs over HTTP/2 (the gRPC protocol, as the
// server's clients use it), with handlers that do nothing. A bare `node:http2` server with the
// connect-node adapter on port 0 and a client in the same process, as the embedded figures have.
// `floor.connect_unary` is a GetThread answered with a constant; `floor.connect_server_stream`
// times one message of a StreamUpdates call from the handler's write to the client's receipt —
// the floor of a delta pushed to a watcher.
import { once } from "node:events";
import { createServer, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { StreamService, ThreadService, ThreadStatus } from "@durable-agents/core/proto";
import { deferred } from "./deferred.js";
import { type MeasureOptions, measure, type Sample } from "./measure.js";

/** The streamed messages: the handler writes one whenever the bench pushes it. */
interface Pushes {
  /** Called by the handler: resolves with the next message to write; undefined ends the call. */
  next(): Promise<number | undefined>;
  /** Hands the handler (once it waits) the next message, and returns when it was handed over. */
  push(seq: number | undefined): Promise<number>;
}

function createPushes(): Pushes {
  let handlerWaiting = deferred<(seq: number | undefined) => void>();
  return {
    next() {
      return new Promise((resolve) => handlerWaiting.resolve(resolve));
    },
    async push(seq) {
      const write = await handlerWaiting.promise;
      handlerWaiting = deferred();
      const writtenAt = performance.now();
      write(seq);
      return writtenAt;
    },
  };
}

interface FloorServer {
  url: string;
  /** Closes the server and the client sessions still open on it. */
  close(): Promise<void>;
}

async function startFloorServer(pushes: Pushes): Promise<FloorServer> {
  const handler = connectNodeAdapter({
    routes(router) {
      router.service(ThreadService, {
        getThread: ({ threadId }) => ({
          thread: { threadId, agent: "floor", status: ThreadStatus.COMPLETED },
        }),
      });
      router.service(StreamService, {
        async *streamUpdates() {
          for (let seq = await pushes.next(); seq !== undefined; seq = await pushes.next()) {
            yield { cursor: { streamSeq: 1n, deltaSeq: BigInt(seq) } };
          }
        },
      });
    },
  });
  const server = createServer(handler);
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The client keeps its HTTP/2 session open for later calls; the server would wait for it.
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

/** One unary round trip: GetThread, answered with a constant thread. */
export async function measureConnectUnary(options: MeasureOptions): Promise<Sample> {
  const server = await startFloorServer(createPushes());
  try {
    const threads = createClient(ThreadService, createGrpcTransport({ baseUrl: server.url }));
    return await measure(
      options,
      () => undefined,
      async () => {
        const { thread } = await threads.getThread({ threadId: "t" });
        if (thread?.threadId !== "t") throw new Error("GetThread returned another thread");
      },
    );
  } finally {
    await server.close();
  }
}

/**
 * One message of an open server stream, from the handler's write to its arrival at the client,
 * one after the other (the next is written once the last arrived), as a watcher of an idle
 * server receives deltas.
 */
export async function measureConnectServerStream(options: MeasureOptions): Promise<Sample> {
  const pushes = createPushes();
  const server = await startFloorServer(pushes);
  const closed = new AbortController();
  try {
    const streams = createClient(StreamService, createGrpcTransport({ baseUrl: server.url }));
    const responses = streams
      .streamUpdates({ threadId: "t" }, { signal: closed.signal })
      [Symbol.asyncIterator]();
    const durationsMs: number[] = [];
    const total = options.warmup + options.iterations;
    for (let seq = 0; seq < total; seq++) {
      const writtenAt = await pushes.push(seq);
      const { value, done } = await responses.next();
      const arrivedAt = performance.now();
      if (done === true || value.cursor?.deltaSeq !== BigInt(seq)) {
        throw new Error(`the floor stream sent ${done === true ? "nothing" : "another message"}`);
      }
      if (seq >= options.warmup) durationsMs.push(arrivedAt - writtenAt);
    }
    return { durationsMs };
  } finally {
    closed.abort();
    await server.close();
  }
}
