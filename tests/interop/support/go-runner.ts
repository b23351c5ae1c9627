// The Go tool runner of tests/interop/go-runner (X4): which Debian packages it needs, building it
// offline from runner.proto (protoc + protoc-gen-go generate its protobuf code into a temporary
// GOPATH; nothing generated is committed), and running it as a child process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const run = promisify(execFile);

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const runnerSource = join(repoRoot, "tests/interop/go-runner");
const protoRoot = join(repoRoot, "proto");
/** Where Debian's golang-*-dev packages put their Go sources (GOPATH layout). */
const debianGoPath = "/usr/share/gocode";
/** Where Debian's libprotobuf-dev puts the well-known .proto files. */
const debianProtoInclude = "/usr/include";
/** The import path the generated code gets in the temporary GOPATH; main.go imports it. */
const generatedImportPath = "durableagents/pb/v1";
/** runner.proto and the files it needs beyond the well-known types. */
const protoFiles = [
  "durable_agents/v1/runner.proto",
  "durable_agents/v1/tool_call.proto",
  "durable_agents/v1/tool_call_service.proto",
];

/** The Debian packages the Go runner is built from; `.ci/run` installs them. */
export const goRunnerPackages = [
  "golang-go",
  "golang-github-nats-io-go-nats-dev",
  "golang-google-protobuf-dev",
  "protobuf-compiler",
  "libprotobuf-dev",
];

async function commandWorks(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** What is missing to build the Go runner, one entry per missing piece; empty when nothing is. */
export async function missingGoToolchain(): Promise<string[]> {
  const checks: [string, boolean][] = [
    ["go (golang-go)", await commandWorks("go", ["version"])],
    ["protoc (protobuf-compiler)", await commandWorks("protoc", ["--version"])],
    [
      "the NATS Go client (golang-github-nats-io-go-nats-dev)",
      existsSync(join(debianGoPath, "src/github.com/nats-io/nats.go/js.go")),
    ],
    [
      "Go protobuf and protoc-gen-go sources (golang-google-protobuf-dev)",
      existsSync(join(debianGoPath, "src/google.golang.org/protobuf/cmd/protoc-gen-go/main.go")),
    ],
    [
      "the well-known .proto files (libprotobuf-dev)",
      existsSync(join(debianProtoInclude, "google/protobuf/struct.proto")),
    ],
  ];
  return checks.flatMap(([what, present]) => (present ? [] : [what]));
}

export interface GoRunnerBuild {
  /** The runner executable. */
  binary: string;
  /** Removes the build directory (sources generated, build cache, executable). */
  dispose(): void;
}

/**
 * Builds the runner in GOPATH mode with no network: protoc-gen-go from golang-google-protobuf-dev's
 * sources, the runner's protobuf code from runner.proto with it, then the runner against Debian's
 * NATS client. Everything, the Go build cache included, lives in one temporary directory.
 */
export async function buildGoRunner(): Promise<GoRunnerBuild> {
  const dir = mkdtempSync(join(tmpdir(), "durable-agents-go-runner-"));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const gopath = join(dir, "gopath");
    mkdirSync(join(gopath, "src"), { recursive: true });
    const env = {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${gopath}:${debianGoPath}`,
      GOCACHE: join(dir, "cache"),
      GOPROXY: "off",
      GOFLAGS: "",
      GOTOOLCHAIN: "local",
      CGO_ENABLED: "0",
    };
    const plugin = join(dir, "protoc-gen-go");
    await run("go", ["build", "-o", plugin, "google.golang.org/protobuf/cmd/protoc-gen-go"], {
      env,
    });
    await run("protoc", [
      `-I${protoRoot}`,
      `-I${debianProtoInclude}`,
      `--plugin=protoc-gen-go=${plugin}`,
      `--go_out=${join(gopath, "src")}`,
      "--go_opt=paths=import",
      // runner.proto has no go_package option: the .proto alone is the contract.
      ...protoFiles.map((file) => `--go_opt=M${file}=${generatedImportPath};durableagentsv1`),
      ...protoFiles,
    ]);
    const binary = join(dir, "go-runner");
    await run("go", ["build", "-o", binary, "."], { cwd: runnerSource, env });
    return { binary, dispose };
  } catch (error: unknown) {
    dispose();
    throw error;
  }
}

export interface GoRunnerOptions {
  natsUrl: string;
  prefix: string;
  runnerId: string;
}

export interface GoRunnerProcess {
  /** The runner's log (stderr) so far, one entry per line. */
  readonly log: readonly string[];
  /** Resolves with the first log line matching `pattern`; rejects at the deadline or on exit. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited, with its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** SIGTERM (graceful drain), SIGKILL if it has not exited by the deadline; the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export function startGoRunner(binary: string, options: GoRunnerOptions): GoRunnerProcess {
  const child: ChildProcess = spawn(
    binary,
    ["--nats", options.natsUrl, "--prefix", options.prefix, "--runner-id", options.runnerId],
    { stdio: ["ignore", "inherit", "pipe"] },
  );
  const log: string[] = [];
  const listeners = new Set<(line: string) => void>();
  if (child.stderr !== null) {
    createInterface({ input: child.stderr }).on("line", (line) => {
      log.push(line);
      if (process.env.DURABLE_AGENTS_TEST_LOG !== undefined) console.error(line);
      for (const listener of listeners) listener(line);
    });
  }
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => {
    // "close" comes after the last stderr line, unlike "exit".
    child.once("close", (code) => {
      hasExited = true;
      resolve(code);
    });
  });

  function waitForLog(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const seen = log.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(onLine);
      };
      const onLine = (line: string) => {
        if (!pattern.test(line)) return;
        finish();
        resolve(line);
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `the Go runner logged no ${pattern} within ${timeoutMs} ms:\n${log.join("\n")}`,
          ),
        );
      }, timeoutMs);
      listeners.add(onLine);
      void exited.then((code) => {
        if (!listeners.has(onLine)) return;
        finish();
        reject(
          new Error(`the Go runner exited (${code}) before logging ${pattern}:\n${log.join("\n")}`),
        );
      });
    });
  }

  async function stop(timeoutMs = 10_000): Promise<number | null> {
    if (hasExited) return exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  return { log, waitForLog, exited, stop };
}

/** A fresh NATS subject prefix, so a test's streams and subjects are its own. */
export function randomPrefix(): string {
  return `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** Deletes the runner protocol's streams of `prefix`, and with them their consumers. */
export async function deleteRunnerStreams(natsUrl: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [`${prefix.toUpperCase()}_TOOLS`, `${prefix.toUpperCase()}_OUTCOMES`]) {
      await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
