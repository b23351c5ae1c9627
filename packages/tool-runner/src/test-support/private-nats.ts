// A private JetStream nats-server for tests that need settings the shared one does not have (a
// small max_payload): its own config file, store directory and random port, stopped by its PID.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NATS_SERVER_BINARY = process.env.DURABLE_AGENTS_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";
const STARTUP_TIMEOUT_MS = 15_000;

export interface PrivateNatsOptions {
  /** The server's `max_payload`: the largest message (payload and headers) it accepts. */
  maxPayloadBytes: number;
}

export interface PrivateNats extends AsyncDisposable {
  readonly url: string;
}

/**
 * Starts a nats-server with JetStream and the given limits; resolves once it accepts clients.
 * Disposing it kills it and removes its directory.
 */
export async function startPrivateNats(options: PrivateNatsOptions): Promise<PrivateNats> {
  const directory = mkdtempSync(join(tmpdir(), "durable-agents-runner-nats-"));
  const configFile = join(directory, "nats.conf");
  writeFileSync(
    configFile,
    [
      "listen: 127.0.0.1:-1",
      `max_payload: ${options.maxPayloadBytes}`,
      `jetstream { store_dir: ${JSON.stringify(join(directory, "store"))} }`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(NATS_SERVER_BINARY, ["-c", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const port = await listeningPort(child);
    return { url: `nats://127.0.0.1:${port}`, [Symbol.asyncDispose]: dispose };
  } catch (error: unknown) {
    await dispose();
    throw error;
  }
}

/** The client port the server logs once it is ready; rejects when it exits or takes too long. */
function listeningPort(child: ChildProcess): Promise<number> {
  let log = "";
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`did not start within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (text: Buffer) => {
      log += text.toString("utf8");
      const port = /Listening for client connections on 127\.0\.0\.1:(\d+)/u.exec(log)?.[1];
      if (port === undefined || !log.includes("Server is ready")) return;
      finish();
      resolve(Number(port));
    };
    const onExit = () => fail("exited");
    const fail = (why: string) => {
      finish();
      reject(new Error(`nats-server ${why}:\n${log}`));
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
