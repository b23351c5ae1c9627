#!/usr/bin/env node
// `durable-agents-runner --nats URL [--module FILE] [--demo] …` (DESIGN §5): serves tools over
// NATS JetStream until SIGTERM or SIGINT, then shuts down gracefully. Logs are JSON lines on
// stdout; the line with "msg":"tool runner ready" says it takes tasks.
import pino from "pino";
import { isUsageError, parseRunnerCliConfig, USAGE } from "./cli/cli-config.js";
import { loadToolModule } from "./cli/load-tool-module.js";
import type { ToolDefinition } from "./define-tool.js";
import { createDemoTools } from "./demo-tools.js";
import { createToolRunner } from "./nats/tool-runner.js";

async function main(): Promise<void> {
  const config = parseRunnerCliConfig(process.argv.slice(2), process.env);
  const logger = pino({ name: "durable-agents-runner" });
  const tools: ToolDefinition[] = config.demo ? createDemoTools() : [];
  for (const file of config.modules) tools.push(...(await loadToolModule(file, process.cwd())));
  const runner = createToolRunner({
    nats: config.natsUrl,
    tools,
    prefix: config.prefix,
    logger,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.runnerId === undefined ? {} : { runnerId: config.runnerId }),
  });
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      // A second signal: the operator does not want to wait; unacked tasks are redelivered.
      logger.warn({ signal }, "second signal: exiting without draining");
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, "shutting down");
    runner.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  try {
    await runner.start();
  } catch (error: unknown) {
    logger.error({ err: error }, "the tool runner could not start");
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  if (isUsageError(error)) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
