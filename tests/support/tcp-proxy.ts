// A TCP proxy between a client and a server, so a test can drop the client's connections for real:
// `cut()` resets every open connection on both sides, as a network failure would, while the proxy
// keeps listening for the client to reconnect. Listens on port 0; always closed after the test.
import { createServer, type Server, Socket } from "node:net";

export interface TcpProxy {
  /** The proxy's URL, `http://127.0.0.1:<port>`, to give the client instead of the server's. */
  readonly url: string;
  /** How many client connections the proxy accepted so far. */
  readonly acceptedCount: number;
  /** How many connections are open now. */
  readonly openCount: number;
  /** Resets every open connection (both sockets); returns how many were cut. */
  cut(): number;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<[Socket, Socket]>();
  let acceptedCount = 0;

  const server: Server = createServer((client) => {
    acceptedCount += 1;
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    upstream.connect(Number(target.port), target.hostname, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");

  const cut = () => {
    const count = pairs.size;
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      // A reset (RST), not a polite end: the peer sees the connection fail mid-stream.
      for (const socket of pair) socket.resetAndDestroy();
    }
    return count;
  };

  return {
    url: `http://127.0.0.1:${address.port}`,
    get acceptedCount() {
      return acceptedCount;
    },
    get openCount() {
      return pairs.size;
    },
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
