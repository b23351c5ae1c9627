import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadServerConfig } from "./config.js";
import { isConfigError } from "./config-error.js";

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "durable-agents-config-"));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeConfig(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text, "utf8");
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

const YAML_CONFIG = `
listen: 10.0.0.1:1000
store: sqlite:/data/file.db
nats:
  url: nats://file:4222
  prefix: file_prefix
providers:
  local:
    type: openai-compatible
    baseURL: http://127.0.0.1:8080/v1
    apiKeyEnv: LOCAL_API_KEY
agents:
  - name: assistant
    model: local:my-model
    system: You are helpful.
    tools: [get_weather]
    retry: { maxAttempts: 3 }
`;

describe("loadServerConfig", () => {
  it("starts from the defaults without a file", async () => {
    const config = await loadServerConfig({ env: {} });
    expect(config.listen).toEqual({ host: "127.0.0.1", port: 7700 });
    expect(config.store).toEqual({ type: "sqlite", path: "./.durable-agents/agents.db" });
    expect(config.nats).toBeNull();
    expect(config.agents.map((agent) => agent.name)).toEqual(["demo"]);
  });

  it("reads a YAML file given with --config", async () => {
    const path = await writeConfig("agents.yaml", YAML_CONFIG);
    const config = await loadServerConfig({
      argv: ["--config", path],
      env: { LOCAL_API_KEY: "sk-env" },
    });
    expect(config.listen).toEqual({ host: "10.0.0.1", port: 1000 });
    expect(config.store).toEqual({ type: "sqlite", path: "/data/file.db" });
    expect(config.nats).toEqual({
      url: "nats://file:4222",
      prefix: "file_prefix",
      localTools: false,
      extensions: {},
    });
    expect(config.providers.local).toMatchObject({ apiKey: "sk-env" });
    expect(config.agents.map((agent) => [agent.name, agent.model])).toEqual([
      ["demo", "demo:echo"],
      ["assistant", "local:my-model"],
    ]);
  });

  it("reads a JSON file named by DURABLE_AGENTS_CONFIG", async () => {
    const path = await writeConfig(
      "agents.json",
      JSON.stringify({ listen: "0.0.0.0:9000", demo: false, agents: [] }),
    );
    const config = await loadServerConfig({ env: { DURABLE_AGENTS_CONFIG: path } });
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(config.agents).toEqual([]);
  });

  it("prefers --config over DURABLE_AGENTS_CONFIG", async () => {
    const fromFlag = await writeConfig("flag.json", '{ "listen": "127.0.0.1:1" }');
    const fromEnv = await writeConfig("env.json", '{ "listen": "127.0.0.1:2" }');
    const config = await loadServerConfig({
      argv: [`--config=${fromFlag}`],
      env: { DURABLE_AGENTS_CONFIG: fromEnv },
    });
    expect(config.listen.port).toBe(1);
  });

  it("resolves a relative --config against cwd", async () => {
    await writeConfig("relative.yaml", "listen: 127.0.0.1:4321\n");
    const config = await loadServerConfig({
      argv: ["--config", "relative.yaml"],
      cwd: directory,
      env: {},
    });
    expect(config.listen.port).toBe(4321);
  });

  it("applies file < environment < command line", async () => {
    const path = await writeConfig("agents.yaml", YAML_CONFIG);
    const env = {
      LOCAL_API_KEY: "k",
      DURABLE_AGENTS_LISTEN: "10.0.0.2:2000",
      DURABLE_AGENTS_STORE: "postgres://db.internal/agents",
      DURABLE_AGENTS_NATS_URL: "nats://env:4222",
      DURABLE_AGENTS_NATS_PREFIX: "env_prefix",
    };
    const fromEnv = await loadServerConfig({ argv: ["--config", path], env });
    expect(fromEnv.listen).toEqual({ host: "10.0.0.2", port: 2000 });
    expect(fromEnv.store).toEqual({ type: "postgres", url: "postgres://db.internal/agents" });
    expect(fromEnv.nats).toEqual({
      url: "nats://env:4222",
      prefix: "env_prefix",
      localTools: false,
      extensions: {},
    });

    const fromCli = await loadServerConfig({
      argv: ["--config", path, "--listen", "10.0.0.3:3000"],
      env,
    });
    expect(fromCli.listen).toEqual({ host: "10.0.0.3", port: 3000 });
  });

  it("names the file and the field of a bad value", async () => {
    const path = await writeConfig(
      "bad.yaml",
      "agents:\n  - name: a\n    model: demo:echo\n    retry:\n      maxAttempts: zero\n",
    );
    const error = await rejection(loadServerConfig({ argv: ["--config", path], env: {} }));
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({
      source: path,
      message: `Invalid configuration in ${path}:\n  - agents[0].retry.maxAttempts: Invalid input: expected number, received string`,
    });
  });

  it("names the file when its YAML does not parse", async () => {
    const path = await writeConfig("broken.yaml", "agents: [\n  name: a\n");
    const error = await rejection(loadServerConfig({ argv: ["--config", path], env: {} }));
    expect(error).toMatchObject({ name: "ConfigError", source: path });
    expect(String(error)).toContain("not valid JSON or YAML");
  });

  it("names the file when its JSON does not parse", async () => {
    const path = await writeConfig("broken.json", '{ "listen": }');
    const error = await rejection(loadServerConfig({ argv: ["--config", path], env: {} }));
    expect(error).toMatchObject({
      source: path,
      issues: [
        { path: "", message: expect.stringMatching(/^not valid JSON or YAML: Unexpected token/u) },
      ],
    });
  });

  it("names a file that does not exist", async () => {
    const path = join(directory, "missing.yaml");
    const error = await rejection(loadServerConfig({ argv: ["--config", path], env: {} }));
    expect(error).toMatchObject({
      source: path,
      issues: [{ path: "", message: expect.stringMatching(/^cannot read the file: ENOENT/u) }],
    });
  });

  it("accepts an empty YAML file", async () => {
    const path = await writeConfig("empty.yaml", "# nothing here\n");
    const config = await loadServerConfig({ argv: ["--config", path], env: {} });
    expect(config.agents.map((agent) => agent.name)).toEqual(["demo"]);
  });
});
