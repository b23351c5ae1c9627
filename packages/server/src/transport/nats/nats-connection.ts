// The one NATS connection of a server process, shared by the tool transport, the event bus and
// the tool registrations. It reconnects forever (nats.js buffers core publishes meanwhile) and
// tells its users whether it is connected, so a dispatch fails fast instead of waiting out a
// PubAck timeout while NATS is away (the dispatch job then retries, DESIGN §4).
import { natsAuthOptions } from "@durable-agents/tool-runner";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsConfig } from "../../config/server-config.js";

export interface NatsLink {
  readonly connection: NatsConnection;
  /** False while the client is reconnecting. */
  isConnected(): boolean;
  /** Calls `listener` after every reconnection until the returned function is called. */
  onReconnect(listener: () => void): () => void;
  /** Drains the connection: pending publishes are flushed, subscriptions end. */
  close(): Promise<void>;
}

export async function connectNats(
  config: NatsConfig,
  options: { name: string; logger: Logger },
): Promise<NatsLink> {
  const connection = await connect({
    servers: config.url.split(",").map((server) => server.trim()),
    name: options.name,
    // A server outlives NATS restarts: it never stops trying to reconnect.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // X5: user/password, token, credentials or nkey seed file; secrets never reach the log.
    ...natsAuthOptions(config.credentials),
  });
  let connected = true;
  const reconnectListeners = new Set<() => void>();
  const watching = (async () => {
    for await (const status of connection.status()) {
      switch (status.type) {
        case "disconnect":
          connected = false;
          options.logger.warn({ server: status.server }, "NATS disconnected");
          break;
        case "reconnect":
          connected = true;
          options.logger.info({ server: status.server }, "NATS reconnected");
          for (const listener of [...reconnectListeners]) listener();
          break;
        case "error":
          options.logger.warn({ err: status.error }, "NATS error");
          break;
        default:
          break;
      }
    }
  })();
  return {
    connection,
    isConnected: () => connected && !connection.isClosed(),
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    async close() {
      reconnectListeners.clear();
      if (!connection.isClosed()) {
        // Draining needs the server; while NATS is away only closing ends the connection.
        if (connected) await connection.drain().catch(() => connection.close());
        else await connection.close();
      }
      await watching;
    },
  };
}
