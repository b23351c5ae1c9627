import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { http2ConnectionPreface } from "./http-preface.js";
import { routeByFirstBytes } from "./route-by-first-bytes.js";

interface Routed {
  version: "http1" | "http2";
  socket: Socket;
}

/** Reads what the new owner of a routed socket receives, until `length` bytes. */
async function readAsOwner(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.resume();
  for await (const chunk of socket) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).length >= length) break;
  }
  return Buffer.concat(chunks);
}

describe("routeByFirstBytes", () => {
  let server: Server;
  /** Both ends of the connection under test, destroyed after each test. */
  let client: Socket;
  let serverSide: Socket;

  beforeEach(async () => {
    server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  });
  afterEach(async () => {
    client.destroy();
    serverSide.destroy();
    const closed = once(server, "close");
    server.close();
    await closed;
  });

  /** Opens a connection and routes its server side; `routed` settles on the verdict. */
  const open = async (firstBytesTimeoutMs = 60_000): Promise<{ routed: Promise<Routed> }> => {
    const accepted = once(server, "connection");
    client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    client.setNoDelay(true);
    [serverSide] = (await accepted) as [Socket];
    const routed = new Promise<Routed>((resolve) => {
      const take = (version: Routed["version"]) => (socket: Socket) => resolve({ version, socket });
      routeByFirstBytes(
        serverSide,
        { http1: take("http1"), http2: take("http2") },
        firstBytesTimeoutMs,
      );
    });
    return { routed };
  };

  /** Sends `first`, waits until the server has read it, then sends `rest`: two separate reads. */
  const sendInTwoReads = async (first: Buffer, rest: Buffer) => {
    const firstRead = once(serverSide, "data");
    client.write(first);
    await firstRead;
    client.write(rest);
  };

  it("waits for a preface split over reads, then hands over to HTTP/2 with every byte put back", async () => {
    const { routed } = await open();
    const bytes = Buffer.concat([http2ConnectionPreface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
    await sendInTwoReads(bytes.subarray(0, 5), bytes.subarray(5));

    const { version, socket } = await routed;
    expect(version).toBe("http2");
    expect(await readAsOwner(socket, bytes.length)).toEqual(bytes);
  });

  it("hands over to HTTP/1.x at the first byte that leaves the preface, with every byte put back", async () => {
    const { routed } = await open();
    const bytes = Buffer.from("PRX / HTTP/1.1\r\nHost: x\r\n\r\n", "latin1");
    await sendInTwoReads(bytes.subarray(0, 2), bytes.subarray(2));

    const { version, socket } = await routed;
    expect(version).toBe("http1");
    expect(await readAsOwner(socket, bytes.length)).toEqual(bytes);
  });

  it("destroys a connection that ends before its protocol is known", async () => {
    await open();
    const serverSideClosed = once(serverSide, "close");
    client.end(http2ConnectionPreface.subarray(0, 3));
    await serverSideClosed;
    expect(serverSide.destroyed).toBe(true);
  });

  it("destroys a connection that stays silent past the first-bytes timeout", async () => {
    await open(20);
    await once(serverSide, "close");
    expect(serverSide.destroyed).toBe(true);
  });
});
