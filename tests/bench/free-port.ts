// A TCP port free on 127.0.0.1 right now, for a server that must be told its port (the Restate
// server binds several and reports none of them); another process could take it before the server
// binds it, which then fails to start rather than measure something else.
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
