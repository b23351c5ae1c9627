// The configuration of `durable-agents-runner` (DESIGN §5): command-line flags over the
// environment (DURABLE_AGENTS_NATS_URL, DURABLE_AGENTS_NATS_PREFIX), validated in one place.
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_PREFIX } from "../nats/protocol-names.js";

export const USAGE = `usage: durable-agents-runner --nats URL [--module FILE] [--demo] [--concurrency N]
                             [--prefix P] [--runner-id ID]

  --nats URL         NATS server(s), comma-separated (default: $DURABLE_AGENTS_NATS_URL)
  --module FILE      serve every ToolDefinition the module exports (default export or named)
  --demo             serve the demo agent's tools (get_weather, request_approval)
  --concurrency N    most handlers running at once (default 16)
  --prefix P         NATS subject/stream prefix (default: $DURABLE_AGENTS_NATS_PREFIX or
                     ${DEFAULT_PREFIX})
  --runner-id ID     this runner's id (default <hostname>-<pid>-<random>)`;

/** What the runner CLI was asked to do. */
export interface RunnerCliConfig {
  natsUrl: string;
  /** Module files whose exported tools to serve, as given (relative to the working directory). */
  modules: string[];
  demo: boolean;
  concurrency: number | undefined;
  prefix: string;
  runnerId: string | undefined;
}

/** Bad flags or environment: the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}

const configSchema = z
  .object({
    natsUrl: z.string({ error: "--nats or DURABLE_AGENTS_NATS_URL is required" }).min(1, {
      error: "--nats or DURABLE_AGENTS_NATS_URL is required",
    }),
    modules: z.array(z.string().min(1)),
    demo: z.boolean(),
    concurrency: z.coerce
      .number<string>()
      .int({ error: "--concurrency must be a whole number" })
      .min(1, { error: "--concurrency must be at least 1" })
      .optional(),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { error: "--prefix must be letters, digits, '_' or '-'" }),
    runnerId: z.string().min(1).optional(),
  })
  .refine((config) => config.demo || config.modules.length > 0, {
    error: "nothing to serve: give --module FILE and/or --demo",
  });

/** Reads the flags (`argv` without node and the script) and the environment. */
export function parseRunnerCliConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): RunnerCliConfig {
  let values: ReturnType<typeof parseFlags>["values"];
  try {
    values = parseFlags(argv).values;
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const nonEmpty = (value: string | undefined) => (value === "" ? undefined : value);
  const parsed = configSchema.safeParse({
    natsUrl: values.nats ?? nonEmpty(env.DURABLE_AGENTS_NATS_URL),
    modules: values.module ?? [],
    demo: values.demo ?? false,
    concurrency: values.concurrency,
    prefix: values.prefix ?? nonEmpty(env.DURABLE_AGENTS_NATS_PREFIX) ?? DEFAULT_PREFIX,
    runnerId: values["runner-id"],
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("\n"));
  }
  return {
    ...parsed.data,
    concurrency: parsed.data.concurrency,
    runnerId: parsed.data.runnerId,
  };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      nats: { type: "string" },
      module: { type: "string", multiple: true },
      demo: { type: "boolean" },
      concurrency: { type: "string" },
      prefix: { type: "string" },
      "runner-id": { type: "string" },
    },
  });
}
