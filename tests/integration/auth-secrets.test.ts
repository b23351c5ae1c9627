// X5 / STYLE 12: secrets never reach logs or error messages. A server with API keys, a JWT secret
// and NATS credentials, and runner processes with right and wrong NATS passwords, serve
// authenticated calls and refuse bad ones; afterwards neither the server's log (captured at the
// most verbose level), nor the runners' output, nor any error message a client or the embedding
// code saw holds an API key, a JWT, the JWT secret or a NATS password.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ConnectError } from "@connectrpc/connect";
import { ThreadStatus } from "@durable-agents/core/proto";
import { createServer, type DurableAgentsServer } from "@durable-agents/server";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { randomPrefix } from "../integration-nats/support/nats.js";
import { killAllRunners, startRunner } from "../integration-nats/support/runners.js";
import { type SecuredNats, startSecuredNats } from "../integration-nats/support/secured-nats.js";
import { clientsWithToken } from "../support/auth-clients.js";
import { nowSeconds, signHs256 } from "../support/jwt.js";
import { testConfig } from "../support/test-config.js";
import { hasStatus, waitForThread } from "../support/wait.js";

const secret = (label: string) => `${label}-${randomBytes(16).toString("hex")}`;

describe("secrets stay out of logs and errors (X5)", { timeout: 90_000 }, () => {
  let nats: SecuredNats | undefined;
  let server: DurableAgentsServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await killAllRunners();
    await server?.close();
    server = undefined;
    await nats?.dispose();
    nats = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }, 30_000);

  it("never logs or answers with an API key, a JWT, the JWT secret or a NATS password", async () => {
    const apiKey = secret("dak");
    const jwtSecret = secret("jwt-secret");
    const serverPassword = secret("nats-server-pw");
    const runnerPassword = secret("nats-runner-pw");
    const wrongRunnerPassword = secret("nats-wrong-pw");
    const wrongServerPassword = secret("nats-wrong-server-pw");
    const prefix = randomPrefix();
    nats = await startSecuredNats({
      prefix,
      tools: ["get_weather", "request_approval"],
      server: { user: "server", password: serverPassword },
      runner: { user: "runner", password: runnerPassword },
    });
    dir = mkdtempSync(join(tmpdir(), "durable-agents-secrets-"));
    let log = "";
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString("utf8");
        done();
      },
    });
    const logger = pino({ level: "trace" }, capture);
    const configFor = (password: string, store: string) =>
      testConfig({
        store: `sqlite:${join(dir ?? "", store)}`,
        file: {
          auth: {
            apiKeys: [{ key: apiKey, principal: "alice", roles: ["admin"] }],
            jwt: { secret: jwtSecret, audience: "durable-agents" },
          },
          nats: { url: nats?.url, prefix, user: "server", password },
        },
      });

    // A server with a wrong NATS password does not start; its error names no secret.
    const refusedStart = await createServer({
      config: configFor(wrongServerPassword, "refused.db"),
      logger,
    }).catch((error: unknown) => error);
    expect(refusedStart).toBeInstanceOf(Error);
    const errors: string[] = [String(refusedStart), JSON.stringify(refusedStart)];

    server = await createServer({ config: configFor(serverPassword, "agents.db"), logger });
    const runner = await startRunner({
      natsUrl: nats.url,
      prefix,
      name: "secrets-1",
      demo: true,
      env: { DURABLE_AGENTS_NATS_USER: "runner", DURABLE_AGENTS_NATS_PASSWORD: runnerPassword },
    });
    await runner.waitForLog("tools registered with a server");
    const refusedRunner = await startRunner({
      natsUrl: nats.url,
      prefix,
      name: "secrets-wrong",
      demo: true,
      env: {
        DURABLE_AGENTS_NATS_USER: "runner",
        DURABLE_AGENTS_NATS_PASSWORD: wrongRunnerPassword,
      },
    }).catch((error: unknown) => error);
    expect(refusedRunner).toBeInstanceOf(Error);
    errors.push(String(refusedRunner));

    // Authenticated calls: an API key and a JWT, a whole tool loop over NATS.
    const goodJwt = signHs256({ sub: "alice", aud: "durable-agents" }, jwtSecret);
    const byKey = clientsWithToken(server.url, apiKey);
    const byJwt = clientsWithToken(server.url, goodJwt);
    const { thread } = await byKey.threads.createThread({
      agent: "demo",
      prompt: "weather in Paris",
    });
    const threadId = thread?.threadId ?? "";
    await waitForThread(byJwt.streams, threadId, hasStatus(ThreadStatus.COMPLETED), 30_000);
    await byKey.admin.recoverThreads({});

    // Refused calls: wrong key, bad token, expired and forged JWTs.
    const badTokens = [
      `${apiKey}0`,
      secret("bad-token"),
      signHs256({ sub: "alice", aud: "durable-agents", exp: nowSeconds() - 600 }, jwtSecret),
      signHs256({ sub: "alice", aud: "durable-agents" }, secret("forged-secret-of-32-characters")),
      signHs256({ sub: "alice", aud: "someone-else" }, jwtSecret),
    ];
    for (const token of badTokens) {
      const refused = await clientsWithToken(server.url, token)
        .threads.getThread({ threadId })
        .then(() => undefined)
        .catch((error: unknown) => ConnectError.from(error));
      expect(refused?.rawMessage).toBeDefined();
      errors.push(refused?.message ?? "", JSON.stringify(refused?.details ?? []));
    }
    await server.close();
    server = undefined;

    const everything = [log, runner.output(), ...errors].join("\n");
    // The grep has something to look at: the failures were logged (without their tokens).
    expect(log.match(/"msg":"authentication failed"/gu)?.length).toBe(badTokens.length);
    expect(log).toContain('"msg":"durable-agents serving"');
    for (const value of [
      apiKey,
      jwtSecret,
      goodJwt,
      serverPassword,
      runnerPassword,
      wrongRunnerPassword,
      wrongServerPassword,
      ...badTokens,
    ]) {
      expect(everything.includes(value), `a secret leaked: ${value.slice(0, 12)}…`).toBe(false);
    }
  });
});
