// A private nats-server with users (X5) for the NATS credential tests: a server user and a runner
// user with the permissions docs/security.md documents, on a free port with its own JetStream
// store, killed by its PID afterwards. `natsPermissions` writes exactly the documented rules.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./nats.js";

const NATS_SERVER_BINARY = process.env.DURABLE_AGENTS_TEST_NATS_SERVER ?? "/usr/sbin/nats-server";

export interface NatsUser {
  user: string;
  password: string;
}

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  allowResponses: boolean;
}

/**
 * The permissions of docs/security.md for one deployment prefix: the servers' user, and a runner
 * user that serves `tools`.
 */
export function natsPermissions(
  prefix: string,
  tools: readonly string[],
): { server: NatsPermissions; runner: NatsPermissions } {
  const P = prefix.toUpperCase();
  return {
    server: {
      publish: [
        "$JS.API.>",
        `$JS.ACK.${P}_OUTCOMES.>`,
        `${prefix}.tools.exec.>`,
        `${prefix}.tools.cancel.>`,
        `${prefix}.events.>`,
      ],
      subscribe: [
        "_INBOX.>",
        `${prefix}.tools.progress`,
        `${prefix}.tools.register`,
        `${prefix}.events.>`,
      ],
      allowResponses: true,
    },
    runner: {
      publish: [
        "$JS.API.INFO",
        `$JS.API.STREAM.INFO.${P}_TOOLS`,
        `$JS.API.STREAM.INFO.${P}_OUTCOMES`,
        `$JS.API.STREAM.CREATE.${P}_TOOLS`,
        `$JS.API.STREAM.CREATE.${P}_OUTCOMES`,
        ...tools.flatMap((tool) => [
          `$JS.API.CONSUMER.INFO.${P}_TOOLS.tool_${tool}`,
          `$JS.API.CONSUMER.CREATE.${P}_TOOLS.tool_${tool}.${prefix}.tools.exec.${tool}`,
          `$JS.API.CONSUMER.DURABLE.CREATE.${P}_TOOLS.tool_${tool}`,
          `$JS.API.CONSUMER.MSG.NEXT.${P}_TOOLS.tool_${tool}`,
          `$JS.ACK.${P}_TOOLS.tool_${tool}.>`,
        ]),
        `${prefix}.tools.outcome`,
        `${prefix}.tools.progress`,
        `${prefix}.tools.register`,
      ],
      subscribe: ["_INBOX.>", ...tools.map((tool) => `${prefix}.tools.cancel.${tool}`)],
      allowResponses: false,
    },
  };
}

function userBlock({ user, password }: NatsUser, permissions: NatsPermissions): string {
  const list = (subjects: string[]) =>
    subjects.map((subject) => JSON.stringify(subject)).join(", ");
  return `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)}, permissions: {
        publish: { allow: [${list(permissions.publish)}] }
        subscribe: { allow: [${list(permissions.subscribe)}] }
        allow_responses: ${permissions.allowResponses}
      } }`;
}

export interface SecuredNats {
  readonly url: string;
  readonly server: NatsUser;
  readonly runner: NatsUser;
  /** Kills the nats-server by its PID and removes its store and configuration. */
  dispose(): Promise<void>;
}

/** Starts a nats-server whose only users are `server` and `runner` (serving `tools`). */
export async function startSecuredNats(options: {
  prefix: string;
  tools: readonly string[];
  server: NatsUser;
  runner: NatsUser;
}): Promise<SecuredNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "durable-agents-secured-nats-"));
  const permissions = natsPermissions(options.prefix, options.tools);
  const configFile = join(dir, "nats-server.conf");
  writeFileSync(
    configFile,
    `listen: "127.0.0.1:${port}"
jetstream { store_dir: ${JSON.stringify(join(dir, "jetstream"))} }
authorization {
  users: [
${userBlock(options.server, permissions.server)}
${userBlock(options.runner, permissions.runner)}
  ]
}
`,
  );
  const child: ChildProcess = spawn(NATS_SERVER_BINARY, ["-c", configFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  // Read for as long as it runs: a full pipe would block the nats-server.
  const collect = (text: Buffer) => {
    log += text.toString("utf8");
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = once(child, "exit");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail("did not start within 15 s"), 15_000);
    const check = () => {
      if (log.includes("Server is ready")) finish(resolve);
    };
    const onExit = () => fail("exited");
    const onError = (error: Error) => fail(`could not be spawned: ${error.message}`);
    const fail = (why: string) => finish(() => reject(new Error(`nats-server ${why}:\n${log}`)));
    const finish = (then: () => void) => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", onExit);
      child.off("error", onError);
      then();
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", onExit);
    child.once("error", onError);
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    server: options.server,
    runner: options.runner,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
