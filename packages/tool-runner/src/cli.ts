#!/usr/bin/env node
// `durable-agents-runner --nats URL [--module FILE] [--demo] …` (DESIGN §5): serves tools over
// NATS JetStream until SIGTERM or SIGINT, then shuts down gracefully. Logs are JSON lines on
// stdout; the line with "msg":"tool runner ready" says it takes tasks. With --metrics-listen it
// serves Prometheus metrics, and with an OTLP endpoint in OTEL_* it exports its spans (X6).
import { AuthorizationError } from "@nats-io/transport-node";
import { collectDefaultMetrics, Registry } from "prom-client";
import { isUsageError, parseRunnerCliConfig, USAGE } from "./cli/cli-config.js";
import { loadToolModule } from "./cli/load-tool-module.js";
import type { ToolDefinition } from "./define-tool.js";
import { createDemoTools } from "./demo-tools.js";
import { isNatsCredentialsFileError } from "./nats/nats-credentials.js";
import { createToolRunner } from "./nats/tool-runner.js";
import { createJsonLogger } from "./telemetry/json-logger.js";
import { type MetricsServer, startMetricsServer } from "./telemetry/metrics-http.js";
import { startOtlpTracing } from "./telemetry/otlp-tracing.js";

async function main(): Promise<void> {
  const config = parseRunnerCliConfig(process.argv.slice(2), process.env);
  const logger = createJsonLogger({ name: "durable-agents-runner", level: config.logLevel });
  const tools: ToolDefinition[] = config.demo ? createDemoTools() : [];
  for (const file of config.modules) tools.push(...(await loadToolModule(file, process.cwd())));
  const tracing =
    config.otlpTracesUrl === undefined
      ? undefined
      : startOtlpTracing({
          url: config.otlpTracesUrl,
          serviceName: config.serviceName,
          tracerName: "durable-agents-runner",
        });
  let metricsRegistry: Registry | undefined;
  let metricsServer: MetricsServer | undefined;
  if (config.metricsListen !== undefined) {
    metricsRegistry = new Registry();
    collectDefaultMetrics({ register: metricsRegistry });
    metricsServer = await startMetricsServer({
      ...config.metricsListen,
      registry: metricsRegistry,
    });
    logger.info({ url: metricsServer.url }, "metrics serving");
  }
  const runner = createToolRunner({
    ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
    ...(metricsRegistry === undefined ? {} : { metricsRegistry }),
    nats: config.natsUrl,
    tools,
    prefix: config.prefix,
    logger,
    ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
    ...(config.runnerId === undefined ? {} : { runnerId: config.runnerId }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
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
    runner
      .close()
      .then(async () => {
        await metricsServer?.close();
        // Exports the spans still buffered.
        await tracing?.shutdown();
      })
      .then(
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
    if (error instanceof AuthorizationError) {
      // X5: say what to check, without echoing any credential (the error holds none either).
      logger.error(
        { reason: error.message },
        "NATS refused the runner's credentials: check --user/--password, --token, --creds or " +
          "--nkey (or their DURABLE_AGENTS_NATS_* variables) and the user's permissions",
      );
    } else if (isNatsCredentialsFileError(error)) {
      logger.error({ reason: error.message }, "the NATS credentials could not be read");
    } else {
      logger.error({ err: error }, "the tool runner could not start");
    }
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
