#!/usr/bin/env node
// `durable-agents serve [--config FILE] [--listen HOST:PORT]` (DESIGN §5): runs the server until
// SIGTERM or SIGINT, then shuts down gracefully.
import pino from "pino";
import { loadServerConfig } from "./config/config.js";
import { isConfigError } from "./config/config-error.js";
import { createServer } from "./server.js";

const USAGE = "usage: durable-agents serve [--config FILE] [--listen HOST:PORT]";

async function serve(argv: readonly string[]): Promise<void> {
  const logger = pino({ name: "durable-agents" });
  const config = await loadServerConfig({ argv });
  const server = await createServer({ config, logger });
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") return serve(rest);
  console.error(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isConfigError(error)) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
