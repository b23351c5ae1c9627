import { describe, expect, it } from "vitest";
import { isConfigError } from "./config-error.js";
import { applyOverrides, parseServeArgs } from "./config-overrides.js";
import type { ParsedServerConfig } from "./config-schema.js";

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error: unknown) {
    return error;
  }
  throw new Error("expected the action to throw");
}

describe("parseServeArgs", () => {
  it("reads --config and --listen, separate or with =", () => {
    expect(parseServeArgs(["--config", "a.yaml", "--listen=0.0.0.0:80"])).toEqual({
      configFile: "a.yaml",
      listen: "0.0.0.0:80",
    });
    expect(parseServeArgs(["--config=b.json"])).toEqual({ configFile: "b.json" });
    expect(parseServeArgs([])).toEqual({});
  });

  it("lets the last of a repeated flag win", () => {
    expect(parseServeArgs(["--listen", "a:1", "--listen", "b:2"])).toEqual({ listen: "b:2" });
  });

  it("refuses an unknown argument, naming it", () => {
    const error = caught(() => parseServeArgs(["--lisen", "a:1"]));
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({
      source: "command line",
      message:
        "Invalid configuration in command line:\n  - --lisen: unknown argument; expected --config FILE, --listen HOST:PORT or --insecure",
    });
  });

  it.each([[["--config"]], [["--config="]], [["--config", "--listen", "a:1"]]])(
    "refuses a flag without a value: %j",
    (argv) => {
      expect(caught(() => parseServeArgs(argv))).toMatchObject({
        issues: [{ path: "--config", message: "needs a value" }],
      });
    },
  );
});

describe("applyOverrides (command line > environment > file)", () => {
  const file: ParsedServerConfig = {
    listen: { host: "10.0.0.1", port: 1000 },
    store: { type: "sqlite", path: "file.db" },
    nats: { url: "nats://file:4222", prefix: "file_prefix", credsFile: "/etc/nats.creds" },
  };

  it("keeps the file's values without overrides", () => {
    expect(applyOverrides(file, {}, {})).toEqual(file);
  });

  it("lets the environment override the file", () => {
    const result = applyOverrides(
      file,
      {
        DURABLE_AGENTS_LISTEN: "10.0.0.2:2000",
        DURABLE_AGENTS_STORE: "postgres://db/agents",
        DURABLE_AGENTS_NATS_URL: "nats://env:4222",
        DURABLE_AGENTS_NATS_PREFIX: "env_prefix",
      },
      {},
    );
    expect(result).toEqual({
      listen: { host: "10.0.0.2", port: 2000 },
      store: { type: "postgres", url: "postgres://db/agents" },
      nats: { url: "nats://env:4222", prefix: "env_prefix", credsFile: "/etc/nats.creds" },
    });
  });

  it("lets --listen override the environment", () => {
    const result = applyOverrides(
      file,
      { DURABLE_AGENTS_LISTEN: "10.0.0.2:2000" },
      { listen: "10.0.0.3:3000" },
    );
    expect(result.listen).toEqual({ host: "10.0.0.3", port: 3000 });
  });

  it("treats empty variables as unset", () => {
    expect(
      applyOverrides(file, { DURABLE_AGENTS_LISTEN: "", DURABLE_AGENTS_STORE: "" }, {}),
    ).toEqual(file);
  });

  it("enables NATS from the environment alone", () => {
    expect(
      applyOverrides({}, { DURABLE_AGENTS_NATS_URL: "nats://127.0.0.1:4222" }, {}).nats,
    ).toEqual({
      url: "nats://127.0.0.1:4222",
      prefix: undefined,
    });
  });

  it("ignores a prefix when NATS is not enabled anywhere", () => {
    expect(applyOverrides({}, { DURABLE_AGENTS_NATS_PREFIX: "p" }, {}).nats).toBeUndefined();
  });

  it("names every bad environment variable", () => {
    const error = caught(() =>
      applyOverrides(
        file,
        {
          DURABLE_AGENTS_LISTEN: "nowhere",
          DURABLE_AGENTS_STORE: "mysql://db",
          DURABLE_AGENTS_NATS_PREFIX: "a.b",
        },
        {},
      ),
    );
    expect(error).toMatchObject({
      source: "environment",
      issues: [
        {
          path: "DURABLE_AGENTS_LISTEN",
          message: 'must be HOST:PORT with a port from 0 to 65535, got "nowhere"',
        },
        {
          path: "DURABLE_AGENTS_STORE",
          message: 'must be "sqlite:PATH" or "postgres://…", got "mysql://…"',
        },
        {
          path: "DURABLE_AGENTS_NATS_PREFIX",
          message: 'must be letters, digits, "_" or "-" only, got "a.b"',
        },
      ],
    });
  });

  it("names a bad --listen", () => {
    expect(caught(() => applyOverrides(file, {}, { listen: "7700" }))).toMatchObject({
      source: "command line",
      issues: [{ path: "--listen" }],
    });
  });
});
