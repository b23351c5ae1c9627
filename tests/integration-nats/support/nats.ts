// NATS for the NATS acceptance tests (issue #4): the shared nats-server on 127.0.0.1:4222 (or
// DURABLE_AGENTS_TEST_NATS_URL) with a random prefix per test, whose streams the test deletes; or
// a private nats-server the test starts on a free port and restarts by its PID on the same store
// directory (the tests that stop NATS must not disturb anyone else's).
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

export const sharedNatsUrl = process.env.DURABLE_AGENTS_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const NATS_SERVER_BINARY = process.env.DURABLE_AGENTS_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";

async function isReachable(url: string): Promise<boolean> {
  try {
    const probe = await connect({ servers: url, timeout: 1_000, maxReconnectAttempts: 0 });
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the NATS tests cannot run here, or undefined when they can. Under CI (`.ci/run` provides
 * NATS and nats-server) nothing is missing, or the suite fails instead of skipping.
 */
export async function missingNats(): Promise<string | undefined> {
  if (!existsSync(NATS_SERVER_BINARY)) return `no nats-server binary at ${NATS_SERVER_BINARY}`;
  if (!(await isReachable(sharedNatsUrl))) return `no NATS at ${sharedNatsUrl}`;
  return undefined;
}

/** A fresh subject prefix, so a test's streams and subjects are its own. */
export function randomPrefix(): string {
  return `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** Deletes the runner protocol's streams of `prefix` (and with them their consumers). */
export async function deleteStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const suffix of ["TOOLS", "OUTCOMES"]) {
      await jsm.streams.delete(`${prefix.toUpperCase()}_${suffix}`).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface PrivateNats {
  readonly url: string;
  /** The PID of the running nats-server; undefined while it is stopped. */
  pid(): number | undefined;
  /** Stops the nats-server (SIGTERM, or the given signal) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store directory; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

/** Starts a private JetStream nats-server on a free port with its own store directory. */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-"));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = "";

  const start = async () => {
    if (child !== undefined) return;
    const started = spawn(
      NATS_SERVER_BINARY,
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    const collect = (text: Buffer) => {
      log += text.toString("utf8");
    };
    started.stdout?.on("data", collect);
    started.stderr?.on("data", collect);
    started.once("exit", () => {
      if (child === started) child = undefined;
    });
    // Ready when it logs so; a client connecting then also finds JetStream up.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail("did not start within 15 s"), 15_000);
      const check = () => {
        if (!log.includes("Server is ready")) return;
        finish();
        resolve();
      };
      const onExit = () => fail("exited");
      const fail = (why: string) => {
        finish();
        reject(new Error(`nats-server on port ${port} ${why}:\n${log}`));
      };
      const finish = () => {
        clearTimeout(timer);
        started.stdout?.off("data", check);
        started.stderr?.off("data", check);
        started.off("exit", onExit);
      };
      started.stdout?.on("data", check);
      started.stderr?.on("data", check);
      started.once("exit", onExit);
      check();
    });
    log = "";
  };

  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const running = child;
    if (running === undefined) return;
    if (running.exitCode !== null || running.signalCode !== null) {
      child = undefined;
      return;
    }
    const exited = once(running, "exit");
    running.kill(signal);
    await exited;
    child = undefined;
  };

  await start();
  return {
    url,
    pid: () => child?.pid,
    stop,
    start,
    async dispose() {
      await stop("SIGKILL");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
