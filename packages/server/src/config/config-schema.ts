// The zod schema of the server configuration file (DESIGN §5). It validates what a file may say
// and turns string forms into structures; `withDefaults` (server-config.ts) fills in the rest.
// Objects are loose: §5 allows more keys than these fixed ones.
import { createHash } from "node:crypto";
import { LOG_LEVELS, natsCredentialsFrom } from "@durable-agents/tool-runner";
import { z } from "zod";
import {
  type ParseResult,
  parseListenAddress,
  parseNatsPrefix,
  parseNatsUrl,
  parseStoreLocation,
} from "./config-values.js";

function parsedWith<T>(parse: (text: string) => ParseResult<T>) {
  return z.string().transform((text, context): T => {
    const result = parse(text);
    if (result.ok) return result.value;
    context.addIssue({ code: "custom", message: result.message });
    return z.NEVER;
  });
}

/** connect-es refuses a larger `readMaxBytes` (2^32 - 1). */
const MAX_REQUEST_BYTES_CEILING = 0xffffffff;

const nonEmptyString = z.string().min(1, "must not be empty");
const positiveInteger = z.number().int().min(1);
const milliseconds = z.number().int().min(0);
const environmentVariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, "must be an environment variable name, e.g. LOCAL_API_KEY");

/** Provider names prefix model references ("<provider>:<model id>"), so they hold no colon. */
const providerName = z
  .string()
  .regex(/^[^:\s]+$/u, "provider names must not be empty or contain ':' or spaces");

/** Agent names appear in CLI flags (`--agent NAME`) and RPCs, so they are simple tokens. */
const agentName = z
  .string()
  .regex(
    /^[A-Za-z0-9][\w.-]*$/u,
    "agent names start with a letter or digit and hold only letters, digits, '_', '.' and '-'",
  );

const modelReference = z
  .string()
  .regex(/^[^:\s]+:.*\S/u, 'must be written "<provider>:<model id>", e.g. "demo:echo"');

const jitter = z.enum(["none", "full"]).default("full");

/** A backoff policy as core's `BackoffPolicy` (B9, B15); jitter defaults to full. */
const backoff = z.discriminatedUnion("strategy", [
  z.looseObject({ strategy: z.literal("fixed"), delayMs: milliseconds, jitter }),
  z
    .looseObject({
      strategy: z.literal("exponential"),
      initialDelayMs: milliseconds,
      multiplier: z.number().min(1),
      maxDelayMs: milliseconds,
      jitter,
    })
    .refine((policy) => policy.maxDelayMs >= policy.initialDelayMs, {
      message: "maxDelayMs must be at least initialDelayMs",
      path: ["maxDelayMs"],
    }),
]);

const turnRetry = z.looseObject({
  enabled: z.boolean().optional(),
  maxAttempts: positiveInteger.optional(),
  backoff: backoff.optional(),
  retryAfterToolCalls: z.boolean().optional(),
});

const toolRetry = z.looseObject({
  enabled: z.boolean().optional(),
  maxAttempts: positiveInteger.optional(),
  backoff: backoff.optional(),
});

const streaming = z.looseObject({
  saveDeltas: z.boolean().optional(),
  throttleMs: milliseconds.optional(),
  includeToolInputDeltas: z.boolean().optional(),
});

const agent = z.looseObject({
  name: agentName,
  model: modelReference,
  system: z.string().optional(),
  description: z.string().optional(),
  tools: z.array(nonEmptyString).optional(),
  retry: turnRetry.optional(),
  toolRetry: toolRetry.optional(),
  streaming: streaming.optional(),
  maxSteps: positiveInteger.optional(),
});

const keyedProvider = {
  apiKey: nonEmptyString.optional(),
  apiKeyEnv: environmentVariableName.optional(),
};

const provider = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("demo"), chunkDelayMs: milliseconds.optional() }),
  z.looseObject({ type: z.literal("openai-compatible"), baseURL: z.url(), ...keyedProvider }),
  z.looseObject({ type: z.literal("openai"), baseURL: z.url().optional(), ...keyedProvider }),
  z.looseObject({ type: z.literal("anthropic"), baseURL: z.url().optional(), ...keyedProvider }),
]);

/**
 * `nats` is a URL, or an object with the URL, the prefix, the credentials (X5: one kind of
 * user/password, token, credsFile, nkeySeedFile) and further connection options.
 */
const nats = z.preprocess(
  (value) => (typeof value === "string" ? { url: value } : value),
  z
    .looseObject({
      url: parsedWith(parseNatsUrl),
      prefix: parsedWith(parseNatsPrefix).optional(),
      localTools: z.boolean().optional(),
      user: nonEmptyString.optional(),
      password: nonEmptyString.optional(),
      token: nonEmptyString.optional(),
      credsFile: nonEmptyString.optional(),
      nkeySeedFile: nonEmptyString.optional(),
    })
    .superRefine((entry, context) => {
      const result = natsCredentialsFrom(entry);
      if (!result.ok) context.addIssue({ code: "custom", message: result.message });
    }),
);

const apiKey = z
  .looseObject({
    key: nonEmptyString.optional(),
    keyHash: z
      .string()
      .regex(/^sha256:[0-9a-fA-F]{64}$/u, 'must be "sha256:" and 64 hex digits')
      .optional(),
    principal: nonEmptyString,
    roles: z.array(nonEmptyString).optional(),
  })
  .transform(({ key, keyHash, principal, roles }, context) => {
    const common = { principal, roles: roles ?? [] };
    if (key !== undefined && keyHash === undefined) return { ...common, key };
    if (keyHash !== undefined && key === undefined) return { ...common, keyHash };
    context.addIssue({ code: "custom", message: "give exactly one of key or keyHash" });
    return z.NEVER;
  });

const jwt = z
  .looseObject({
    // HS256 needs a key as long as its hash (RFC 7518 §3.2): a short secret can be brute-forced.
    secret: z.string().min(32, "must be at least 32 characters").optional(),
    jwksFile: nonEmptyString.optional(),
    issuer: nonEmptyString.optional(),
    audience: z.union([nonEmptyString, z.array(nonEmptyString).min(1)]).optional(),
    principalClaim: nonEmptyString.optional(),
    rolesClaim: nonEmptyString.optional(),
  })
  .transform(({ secret, jwksFile, issuer, audience, principalClaim, rolesClaim }, context) => {
    const common = {
      issuer,
      audience,
      principalClaim: principalClaim ?? "sub",
      rolesClaim: rolesClaim ?? "roles",
    };
    if (secret !== undefined && jwksFile === undefined) return { ...common, secret };
    if (jwksFile !== undefined && secret === undefined) return { ...common, jwksFile };
    context.addIssue({ code: "custom", message: "give exactly one of secret or jwksFile" });
    return z.NEVER;
  });

/** The SHA-256 an API key entry stands for, in lower-case hex (to find a key given twice). */
function apiKeyDigest(entry: { key?: string; keyHash?: string }): string {
  return entry.key !== undefined
    ? createHash("sha256").update(entry.key, "utf8").digest("hex")
    : (entry.keyHash ?? "").slice("sha256:".length).toLowerCase();
}

const auth = z
  .looseObject({ apiKeys: z.array(apiKey).optional(), jwt: jwt.optional() })
  .refine((entry) => (entry.apiKeys?.length ?? 0) > 0 || entry.jwt !== undefined, {
    message: "auth needs apiKeys or jwt; leave auth out to run without authentication",
  })
  .superRefine((entry, context) => {
    const seen = new Map<string, number>();
    for (const [index, apiKeyEntry] of (entry.apiKeys ?? []).entries()) {
      const digest = apiKeyDigest(apiKeyEntry);
      const first = seen.get(digest);
      if (first !== undefined) {
        context.addIssue({
          code: "custom",
          message: `holds the same key as apiKeys[${first}]`,
          path: ["apiKeys", index],
        });
      }
      seen.set(digest, index);
    }
  });

const limits = z.looseObject({
  maxConcurrentTurns: positiveInteger.optional(),
  maxConcurrentTools: positiveInteger.optional(),
  maxRequestBytes: positiveInteger.max(MAX_REQUEST_BYTES_CEILING).optional(),
  maxPromptChars: positiveInteger.optional(),
  maxPartsPerMessage: positiveInteger.optional(),
  maxToolResultBytes: positiveInteger.optional(),
  maxMetadataBytes: positiveInteger.optional(),
  maxPageSize: positiveInteger.optional(),
  maxStreamsPerPrincipal: positiveInteger.optional(),
  maxWatchersPerThread: positiveInteger.optional(),
});

/** The PostgreSQL store's connection pool (DESIGN §2 scaled deployment). */
const postgres = z.looseObject({ maxConnections: positiveInteger.optional() });

/** Prometheus metrics (X6): on the API port unless `listen` gives them a port of their own. */
const metrics = z.looseObject({
  enabled: z.boolean().optional(),
  listen: parsedWith(parseListenAddress).nullable().optional(),
});

/** Trace export (X6); OTEL_EXPORTER_OTLP_* variables win over it. */
const telemetry = z.looseObject({
  otlpEndpoint: z.url().nullable().optional(),
  serviceName: nonEmptyString.optional(),
});

/** The configuration file (JSON or YAML) of `durable-agents serve`. */
export const serverConfigSchema = z
  .looseObject({
    listen: parsedWith(parseListenAddress).optional(),
    store: parsedWith(parseStoreLocation).optional(),
    postgres: postgres.optional(),
    nats: nats.nullable().optional(),
    providers: z.record(providerName, provider).optional(),
    agents: z.array(agent).optional(),
    auth: auth.nullable().optional(),
    insecure: z.boolean().optional(),
    demo: z.boolean().optional(),
    limits: limits.optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    metrics: metrics.optional(),
    telemetry: telemetry.optional(),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    for (const [index, { name }] of (config.agents ?? []).entries()) {
      if (seen.has(name)) {
        context.addIssue({
          code: "custom",
          message: `agent name "${name}" is used twice`,
          path: ["agents", index, "name"],
        });
      }
      seen.add(name);
    }
  });

/** A configuration as a file or code may write it (DESIGN §5). */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
/** A validated configuration, string forms parsed, defaults not yet filled in. */
export type ParsedServerConfig = z.output<typeof serverConfigSchema>;
/** One provider of a validated configuration. */
export type ParsedProviderConfig = z.output<typeof provider>;
/** One agent of a validated configuration. */
export type ParsedAgentConfig = z.output<typeof agent>;
