import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isUsageError, parseRunnerCliConfig } from "./cli-config.js";

describe("durable-agents-runner configuration (DESIGN §5)", () => {
  it("reads the flags", () => {
    expect(
      parseRunnerCliConfig(
        [
          "--nats",
          "nats://n:4222",
          "--module",
          "a.js",
          "--module",
          "b.js",
          "--demo",
          "--concurrency",
          "4",
          "--prefix",
          "acme",
          "--runner-id",
          "r1",
        ],
        {},
      ),
    ).toEqual({
      natsUrl: "nats://n:4222",
      modules: ["a.js", "b.js"],
      demo: true,
      concurrency: 4,
      prefix: "acme",
      runnerId: "r1",
      logLevel: "info",
      serviceName: "durable-agents-runner",
    });
  });

  it("takes the NATS URL and prefix from the environment unless flags say otherwise", () => {
    const env = { DURABLE_AGENTS_NATS_URL: "nats://env:4222", DURABLE_AGENTS_NATS_PREFIX: "envp" };
    expect(parseRunnerCliConfig(["--demo"], env)).toEqual({
      natsUrl: "nats://env:4222",
      modules: [],
      demo: true,
      concurrency: undefined,
      prefix: "envp",
      runnerId: undefined,
      logLevel: "info",
      serviceName: "durable-agents-runner",
    });
    expect(
      parseRunnerCliConfig(["--demo", "--nats", "nats://flag", "--prefix", "p"], env),
    ).toMatchObject({
      natsUrl: "nats://flag",
      prefix: "p",
    });
    expect(parseRunnerCliConfig(["--demo", "--nats", "nats://x"], {}).prefix).toBe(
      "durable_agents",
    );
  });

  it.each([
    [["--demo"], /--nats or DURABLE_AGENTS_NATS_URL is required/],
    [["--nats", "nats://x"], /nothing to serve/],
    [["--nats", "nats://x", "--demo", "--concurrency", "0"], /--concurrency must be at least 1/],
    [["--nats", "nats://x", "--demo", "--concurrency", "2.5"], /whole number/],
    [["--nats", "nats://x", "--demo", "--prefix", "a.b"], /--prefix must be/],
    [["--nats", "nats://x", "--demo", "--bogus"], /bogus/],
  ])("refuses %j", (argv, message) => {
    let caught: unknown;
    try {
      parseRunnerCliConfig(argv, {});
    } catch (error: unknown) {
      caught = error;
    }
    expect(isUsageError(caught)).toBe(true);
    expect(caught instanceof Error ? caught.message : "").toMatch(message);
  });

  it("X6 reads the metrics address, the log level and the OTLP endpoint", () => {
    const base = ["--nats", "nats://x", "--demo"];
    expect(
      parseRunnerCliConfig([...base, "--metrics-listen", "0.0.0.0:9464", "--log-level", "debug"], {
        DURABLE_AGENTS_LOG_LEVEL: "warn",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_SERVICE_NAME: "tools-eu",
      }),
    ).toMatchObject({
      metricsListen: { host: "0.0.0.0", port: 9464 },
      logLevel: "debug",
      otlpTracesUrl: "http://collector:4318/v1/traces",
      serviceName: "tools-eu",
    });
    expect(
      parseRunnerCliConfig([...base, "--metrics-listen", "[::1]:0"], {
        DURABLE_AGENTS_LOG_LEVEL: "warn",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom",
      }),
    ).toMatchObject({
      metricsListen: { host: "::1", port: 0 },
      logLevel: "warn",
      otlpTracesUrl: "http://c:4318/custom",
    });
    const defaults = parseRunnerCliConfig(base, { OTEL_SDK_DISABLED: "true" });
    expect(defaults.metricsListen).toBeUndefined();
    expect(defaults.otlpTracesUrl).toBeUndefined();
    expect(() => parseRunnerCliConfig([...base, "--metrics-listen", "9464"], {})).toThrow(
      /--metrics-listen must be HOST:PORT/,
    );
    expect(() => parseRunnerCliConfig([...base, "--log-level", "loud"], {})).toThrow(
      /--log-level .* must be one of/,
    );
  });

  it("X5 reads NATS credentials from flags, which replace the environment's as a whole", () => {
    const base = ["--nats", "nats://x", "--demo"];
    const env = { DURABLE_AGENTS_NATS_USER: "env-user", DURABLE_AGENTS_NATS_PASSWORD: "env-pw" };
    expect(parseRunnerCliConfig(base, env).credentials).toEqual({
      user: "env-user",
      password: "env-pw",
    });
    expect(parseRunnerCliConfig([...base, "--token", "t0k"], env).credentials).toEqual({
      token: "t0k",
    });
    expect(parseRunnerCliConfig([...base, "--creds", "r.creds"], {}).credentials).toEqual({
      credsFile: "r.creds",
    });
    expect(parseRunnerCliConfig(base, { DURABLE_AGENTS_NATS_NKEY: "seed.nk" }).credentials).toEqual(
      { nkeySeedFile: "seed.nk" },
    );
    expect(parseRunnerCliConfig(base, {}).credentials).toBeUndefined();
  });

  it.each([
    [["--user", "u"], /needs a password/],
    [["--token", "t", "--creds", "f"], /not token and credentials file/],
  ])("X5 refuses the credentials %j without echoing them", (flags, message) => {
    let caught: unknown;
    try {
      parseRunnerCliConfig(["--nats", "nats://x", "--demo", ...flags], {});
    } catch (error: unknown) {
      caught = error;
    }
    expect(isUsageError(caught)).toBe(true);
    const text = caught instanceof Error ? caught.message : "";
    expect(text).toMatch(message);
    for (const secret of ["u", "t", "f"].filter((value) => flags.includes(value))) {
      expect(text.split(/\W+/u)).not.toContain(secret);
    }
  });

  describe("X5 secrets from files (--password-file, --token-file)", () => {
    const base = ["--nats", "nats://x", "--demo"];
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "runner-cli-secrets-"));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    const secretFile = (name: string, contents: string) => {
      const path = join(dir, name);
      writeFileSync(path, contents, { mode: 0o600 });
      return path;
    };

    const usageErrorOf = (flags: string[]) => {
      try {
        parseRunnerCliConfig([...base, ...flags], {});
      } catch (error: unknown) {
        if (isUsageError(error)) return error.message;
        throw error;
      }
      throw new Error("expected a UsageError");
    };

    it("reads the password and the token, without their trailing newline", () => {
      const password = secretFile("password", "pa ss\n");
      expect(
        parseRunnerCliConfig([...base, "--user", "u", "--password-file", password], {}).credentials,
      ).toEqual({ user: "u", password: "pa ss" });
      const token = secretFile("token", "t0k\r\n");
      expect(parseRunnerCliConfig([...base, "--token-file", token], {}).credentials).toEqual({
        token: "t0k",
      });
      const bare = secretFile("bare", "t0k");
      expect(parseRunnerCliConfig([...base, "--token-file", bare], {}).credentials).toEqual({
        token: "t0k",
      });
    });

    it("replace the environment's credentials as a whole, as the other flags do", () => {
      const token = secretFile("token", "t0k\n");
      const env = { DURABLE_AGENTS_NATS_USER: "env-user", DURABLE_AGENTS_NATS_PASSWORD: "env-pw" };
      expect(parseRunnerCliConfig([...base, "--token-file", token], env).credentials).toEqual({
        token: "t0k",
      });
    });

    it("refuses a missing or empty file, or a secret given twice, naming the file but no secret", () => {
      const missing = join(dir, "missing");
      expect(usageErrorOf(["--token-file", missing])).toBe(
        `cannot read the --token-file ${missing} (ENOENT)`,
      );
      const empty = secretFile("empty", "\n");
      expect(usageErrorOf(["--user", "u", "--password-file", empty])).toBe(
        `the --password-file ${empty} is empty`,
      );
      const password = secretFile("password", "hunter2\n");
      const twice = usageErrorOf(["--user", "u", "--password", "x", "--password-file", password]);
      expect(twice).toBe("give --password or --password-file, not both");
      const withoutUser = usageErrorOf(["--password-file", password]);
      expect(withoutUser).toMatch(/needs a user/);
      expect(withoutUser).not.toContain("hunter2");
    });
  });
});
