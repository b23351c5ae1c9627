// The configuration of X5 beyond the auth section's shape (resolve-config.test.ts): the
// --insecure switch, NATS credentials from the file and the environment, and the checks that
// keep weak or ambiguous credentials out.
import { describe, expect, it } from "vitest";
import { hashApiKey } from "../auth/api-keys.js";
import { type ConfigIssue, isConfigError } from "./config-error.js";
import { type Environment, parseServeArgs, type ServeArgs } from "./config-overrides.js";
import { resolveServerConfig } from "./resolve-config.js";
import type { ServerConfig } from "./server-config.js";

const FILE = "agents.json";

function resolve(data: unknown, env: Environment = {}, args: ServeArgs = {}): ServerConfig {
  return resolveServerConfig({ file: { path: FILE, data }, env, args });
}

function refusal(data: unknown, env: Environment = {}): { source: string; issues: ConfigIssue[] } {
  try {
    resolve(data, env);
  } catch (error: unknown) {
    if (!isConfigError(error)) throw error;
    return { source: error.source, issues: [...error.issues] };
  }
  throw new Error("expected the configuration to be refused");
}

describe("--insecure (X5)", () => {
  it("is off by default and set by the file, the environment or the flag", () => {
    expect(resolve({}).insecure).toBe(false);
    expect(resolve({ insecure: true }).insecure).toBe(true);
    expect(resolve({}, { DURABLE_AGENTS_INSECURE: "1" }).insecure).toBe(true);
    expect(resolve({}, { DURABLE_AGENTS_INSECURE: "TRUE" }).insecure).toBe(true);
    expect(resolve({ insecure: true }, { DURABLE_AGENTS_INSECURE: "0" }).insecure).toBe(false);
    expect(resolve({}, { DURABLE_AGENTS_INSECURE: "false" }, { insecure: true }).insecure).toBe(
      true,
    );
  });

  it("is a switch on the command line", () => {
    expect(parseServeArgs(["--listen", "0.0.0.0:7700", "--insecure"])).toEqual({
      listen: "0.0.0.0:7700",
      insecure: true,
    });
  });

  it("names a value the environment cannot mean", () => {
    expect(refusal({}, { DURABLE_AGENTS_INSECURE: "yes" })).toEqual({
      source: "environment",
      issues: [
        { path: "DURABLE_AGENTS_INSECURE", message: 'must be 1, true, 0 or false, got "yes"' },
      ],
    });
  });
});

describe("NATS credentials (X5)", () => {
  const url = "nats://n:4222";

  it.each([
    [
      { user: "srv", password: "pw" },
      { user: "srv", password: "pw" },
    ],
    [{ token: "tok" }, { token: "tok" }],
    [{ credsFile: "/etc/nats/server.creds" }, { credsFile: "/etc/nats/server.creds" }],
    [{ nkeySeedFile: "/etc/nats/server.nk" }, { nkeySeedFile: "/etc/nats/server.nk" }],
  ])("reads %j from the file", (fields, credentials) => {
    expect(resolve({ nats: { url, ...fields } }).nats).toEqual({
      url,
      prefix: "durable_agents",
      localTools: false,
      credentials,
      extensions: {},
    });
  });

  it("takes the environment's credentials instead of the file's, as a whole", () => {
    const config = resolve(
      { nats: { url, token: "file-token" } },
      { DURABLE_AGENTS_NATS_USER: "srv", DURABLE_AGENTS_NATS_PASSWORD: "env-pw" },
    );
    expect(config.nats?.credentials).toEqual({ user: "srv", password: "env-pw" });
    expect(
      resolve({}, { DURABLE_AGENTS_NATS_URL: url, DURABLE_AGENTS_NATS_CREDS: "/r.creds" }).nats
        ?.credentials,
    ).toEqual({ credsFile: "/r.creds" });
  });

  it("refuses two kinds at once, or a user without a password, and never shows them", () => {
    const file = refusal({ nats: { url, token: "tok-secret", user: "u", password: "pw-secret" } });
    expect(file).toEqual({
      source: FILE,
      issues: [
        {
          path: "nats",
          message: "give one kind of NATS credentials, not user and password and token",
        },
      ],
    });
    const env = refusal({ nats: url }, { DURABLE_AGENTS_NATS_PASSWORD: "pw-secret" });
    expect(env).toEqual({
      source: "environment",
      issues: [
        {
          path: "DURABLE_AGENTS_NATS_*",
          message: "a NATS user needs a password, and a password needs a user",
        },
      ],
    });
    expect(JSON.stringify([file, env])).not.toMatch(/secret/u);
  });
});

describe("auth checks (X5)", () => {
  it("refuses a JWT secret shorter than 32 characters", () => {
    expect(refusal({ auth: { jwt: { secret: "short-secret" } } }).issues).toEqual([
      { path: "auth.jwt.secret", message: "must be at least 32 characters" },
    ]);
  });

  it("refuses the same API key twice, plain or hashed", () => {
    const issues = refusal({
      auth: {
        apiKeys: [
          { key: "same-key", principal: "alice" },
          { key: "other-key", principal: "bob" },
          {
            keyHash: hashApiKey("same-key").toUpperCase().replace("SHA256", "sha256"),
            principal: "eve",
          },
        ],
      },
    }).issues;
    expect(issues).toEqual([
      { path: "auth.apiKeys[2]", message: "holds the same key as apiKeys[0]" },
    ]);
  });
});
