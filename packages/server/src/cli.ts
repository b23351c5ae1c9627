#!/usr/bin/env node
// `durable-agents serve [--config FILE] [--listen HOST:PORT] [--insecure]` (DESIGN §5): runs the
// server until SIGTERM or SIGINT, then shuts down gracefully.
import { spawn } from "node:child_process";
import { createJsonLogger } from "@durable-agents/tool-runner";
import { collectDefaultMetrics, Registry } from "prom-client";
import { isInsecureListenError } from "./auth/errors.js";
import { loadServerConfig } from "./config/config.js";
import { isConfigError } from "./config/config-error.js";
import { createServer } from "./server.js";

const USAGE = `usage: durable-agents serve [--config FILE] [--listen HOST:PORT] [--insecure]
       durable-agents chat [--url URL] [--token TOKEN] [--agent NAME] [--thread ID]`;

async function serve(argv: readonly string[]): Promise<void> {
  const config = await loadServerConfig({ argv });
  // X6: JSON lines at the configured level, secrets redacted; /metrics adds the process's own.
  const logger = createJsonLogger({ name: "durable-agents", level: config.logLevel });
  const metricsRegistry = new Registry();
  // The default collectors sample the event loop and GC for as long as the process lives: only
  // worth it when something scrapes them.
  if (config.metrics.enabled) collectDefaultMetrics({ register: metricsRegistry });
  const server = await createServer({ config, logger, metricsRegistry });
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

/**
 * `durable-agents chat` is the client package's terminal chat (`durable-agents-chat`). It runs as
 * its own program: the server never imports the client (DESIGN §2).
 */
function chat(argv: readonly string[]): void {
  const child = spawn("durable-agents-chat", argv, { stdio: "inherit" });
  // Ctrl-C reaches the whole terminal's process group: the chat handles it (StopThread), so this
  // forwarding process must not die of it.
  process.on("SIGINT", () => undefined);
  child.on("error", (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === "ENOENT"
        ? "durable-agents chat needs @durable-agents/client (its durable-agents-chat program) installed"
        : error.message,
    );
    process.exit(2);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") return serve(rest);
  if (command === "chat") return chat(rest);
  console.error(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isConfigError(error) || isInsecureListenError(error)) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
