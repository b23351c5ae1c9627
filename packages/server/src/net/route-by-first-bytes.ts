import type { Socket } from "node:net";
import { classifyFirstBytes } from "./http-preface.js";

/** Where a connection goes once its HTTP version is known. */
export interface ProtocolHandoff {
  /** Takes a connection that opened with the HTTP/2 preface (gRPC, Connect or gRPC-Web over h2c). */
  http2(socket: Socket): void;
  /** Takes any other connection: HTTP/1.x (Connect, gRPC-Web, plain HTTP). */
  http1(socket: Socket): void;
}

/**
 * Reads a fresh connection's first bytes until its HTTP version is known, puts them back and
 * hands the socket to the server for that version. The preface may arrive split over several
 * reads, so bytes are buffered until `classifyFirstBytes` decides. A connection that ends, fails
 * or stays silent for `firstBytesTimeoutMs` before a verdict carries no request and is destroyed.
 */
export function routeByFirstBytes(
  socket: Socket,
  handoff: ProtocolHandoff,
  firstBytesTimeoutMs: number,
): void {
  let received = Buffer.alloc(0);

  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const verdict = classifyFirstBytes(received);
    if (verdict === "undecided") return;
    stopSniffing();
    // Paused first so the put-back bytes wait for the new owner's reader instead of being
    // emitted to nobody; the owner resumes the socket.
    socket.pause();
    socket.unshift(received);
    handoff[verdict](socket);
  };
  const abandon = () => {
    stopSniffing();
    socket.destroy();
  };
  const stopSniffing = () => {
    socket.setTimeout(0);
    socket.off("data", onData);
    socket.off("end", abandon);
    socket.off("error", abandon);
    socket.off("timeout", abandon);
  };

  socket.setTimeout(firstBytesTimeoutMs);
  socket.on("data", onData);
  socket.on("end", abandon);
  socket.on("error", abandon);
  socket.on("timeout", abandon);
}
