import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";

/**
 * Knows every open connection of a listener and what it is doing, so a close can drain them:
 * connections that carry no request go at once, busy ones go when their last request ends.
 */
export interface ConnectionTracker {
  /** A connection was accepted; its HTTP version is not known yet. */
  accepted(socket: Socket): void;
  /** A connection was handed to the HTTP/1.x server. */
  handedToHttp1(socket: Socket): void;
  /** A connection was handed to the HTTP/2 server. */
  handedToHttp2(socket: Socket): void;
  /** The HTTP/2 server opened a session on a connection. */
  http2SessionOpened(session: ServerHttp2Session): void;
  /** An HTTP/1.x request arrived; the connection is busy until its response closes. */
  http1RequestStarted(request: IncomingMessage, response: ServerResponse): void;
  /**
   * Starts a graceful drain: undecided connections are dropped (they carry no request yet),
   * idle HTTP/1.x connections are ended, busy ones are ended when their last response closes,
   * and HTTP/2 sessions are sent GOAWAY so running streams may finish but no new one starts.
   */
  beginDrain(): void;
  /** Destroys every connection still open: the drain took too long. */
  destroyAll(): void;
}

export function createConnectionTracker(): ConnectionTracker {
  const sockets = new Set<Socket>();
  const undecided = new Set<Socket>();
  /** In-flight requests per HTTP/1.x connection. */
  const http1Requests = new Map<Socket, number>();
  const http2Sessions = new Set<ServerHttp2Session>();
  let isDraining = false;

  const endIfIdle = (socket: Socket) => {
    if (http1Requests.get(socket) === 0) socket.end();
  };

  return {
    accepted(socket) {
      sockets.add(socket);
      undecided.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        undecided.delete(socket);
        http1Requests.delete(socket);
      });
    },
    handedToHttp1(socket) {
      undecided.delete(socket);
      http1Requests.set(socket, 0);
    },
    handedToHttp2(socket) {
      undecided.delete(socket);
    },
    http2SessionOpened(session) {
      http2Sessions.add(session);
      session.once("close", () => http2Sessions.delete(session));
    },
    http1RequestStarted(request, response) {
      const socket = request.socket;
      const inFlightBefore = http1Requests.get(socket);
      if (inFlightBefore === undefined) return; // the connection closed already
      http1Requests.set(socket, inFlightBefore + 1);
      response.once("close", () => {
        const inFlight = http1Requests.get(socket);
        if (inFlight === undefined) return; // the connection closed first
        http1Requests.set(socket, inFlight - 1);
        if (isDraining) endIfIdle(socket);
      });
    },
    beginDrain() {
      isDraining = true;
      for (const socket of undecided) socket.destroy();
      for (const socket of http1Requests.keys()) endIfIdle(socket);
      for (const session of http2Sessions) session.close();
    },
    destroyAll() {
      for (const session of http2Sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
