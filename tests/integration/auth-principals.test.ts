// X5 acceptance: API keys (plain and hashed) and JWTs (shared secret and JWKS file) identify
// principals; a principal is the same owner however it authenticated; expired, foreign-issuer,
// foreign-audience and forged JWTs are UNAUTHENTICATED. The authorize hook sees who calls.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { clientsWithToken } from "../support/auth-clients.js";
import { createEs256Issuer, nowSeconds, signHs256 } from "../support/jwt.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const JWT_SECRET = "a-shared-secret-of-at-least-32-characters";
const ISSUER = "https://login.example.com/";
const AUDIENCE = "durable-agents";
const ALICE_KEY = "dak_alice_0a1b2c3d";
const BOB_KEY = "dak_bob_4e5f6a7b";

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await call;
  } catch (error: unknown) {
    const connectError = ConnectError.from(error);
    return { code: connectError.code, message: connectError.rawMessage };
  }
  throw new Error("the call succeeded");
}

describe("principals (X5)", { timeout: 30_000 }, () => {
  let test: TestServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("takes auth given in code as createServer({ auth }) like the configuration's (DESIGN §5)", async () => {
    test = await startTestServer({ auth: { apiKeys: [{ key: ALICE_KEY, principal: "alice" }] } });
    const anonymous = clientsWithToken(test.server.url);
    expect((await codeOf(anonymous.threads.listThreads({}))).code).toBe(Code.Unauthenticated);
    const alice = clientsWithToken(test.server.url, ALICE_KEY);
    const { thread } = await alice.threads.createThread({ agent: "demo" });
    const { threads } = await alice.threads.listThreads({});
    expect(threads.map((listed) => listed.threadId)).toEqual([thread?.threadId]);
  });

  it("identifies API key principals, plain or hashed, and a JWT principal as the same owner", async () => {
    const seen: { principal: string | null; roles: readonly string[]; method: string }[] = [];
    test = await startTestServer({
      config: {
        auth: {
          apiKeys: [
            { key: ALICE_KEY, principal: "alice", roles: ["admin"] },
            { keyHash: sha256(BOB_KEY), principal: "bob" },
          ],
          jwt: {
            secret: JWT_SECRET,
            issuer: ISSUER,
            audience: AUDIENCE,
            principalClaim: "email",
            rolesClaim: "groups",
          },
        },
      },
      hooks: {
        authorize: ({ principal, roles, method }) => {
          seen.push({ principal, roles, method });
          return true;
        },
      },
    });
    const { url } = test.server;
    const byKey = clientsWithToken(url, ALICE_KEY);
    const bob = clientsWithToken(url, BOB_KEY);
    const byJwt = clientsWithToken(
      url,
      signHs256({ email: "alice", groups: ["viewer"], iss: ISSUER, aud: AUDIENCE }, JWT_SECRET),
    );

    const { thread } = await byKey.threads.createThread({ agent: "demo" });
    const threadId = thread?.threadId ?? "";
    // The JWT's principal claim names alice: her thread is its own.
    const { thread: viaJwt } = await byJwt.threads.getThread({ threadId });
    expect(viaJwt?.threadId).toBe(threadId);
    expect((await codeOf(bob.threads.getThread({ threadId }))).code).toBe(Code.NotFound);
    await bob.threads.listThreads({});

    expect(seen).toEqual([
      { principal: "alice", roles: ["admin"], method: "CreateThread" },
      { principal: "alice", roles: ["viewer"], method: "GetThread" },
      { principal: "bob", roles: [], method: "GetThread" },
      { principal: "bob", roles: [], method: "ListThreads" },
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["expired", { exp: nowSeconds() - 3600 }, "the token has expired"],
    [
      "of another issuer",
      { iss: "https://evil.example.com/" },
      "the token's issuer is not accepted",
    ],
    ["for another audience", { aud: "someone-else" }, "the token's audience is not accepted"],
    ["without an expiry", { exp: undefined }, 'the token has no "exp" claim'],
  ])("refuses a JWT %s with UNAUTHENTICATED", async (_case, claims, message) => {
    test = await startTestServer({
      config: { auth: { jwt: { secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE } } },
    });
    const token = signHs256({ sub: "alice", iss: ISSUER, aud: AUDIENCE, ...claims }, JWT_SECRET);
    const client = clientsWithToken(test.server.url, token);
    const refusal = await codeOf(client.threads.listThreads({}));
    expect(refusal).toEqual({ code: Code.Unauthenticated, message });
    expect(refusal.message).not.toContain(token);
    // The same token with valid claims is served.
    const valid = signHs256({ sub: "alice", iss: ISSUER, aud: AUDIENCE }, JWT_SECRET);
    await clientsWithToken(test.server.url, valid).threads.listThreads({});
  });

  it("refuses a JWT signed with another secret", async () => {
    test = await startTestServer({ config: { auth: { jwt: { secret: JWT_SECRET } } } });
    const forged = signHs256({ sub: "alice" }, "another-secret-that-is-32-chars-long!");
    expect(await codeOf(clientsWithToken(test.server.url, forged).threads.listThreads({}))).toEqual(
      {
        code: Code.Unauthenticated,
        message: "the token's signature is not valid",
      },
    );
  });

  it("verifies JWTs against a JWKS file", async () => {
    dir = mkdtempSync(join(tmpdir(), "durable-agents-jwks-"));
    const issuer = createEs256Issuer("key-2026");
    const jwksFile = join(dir, "jwks.json");
    writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
    test = await startTestServer({
      config: { auth: { jwt: { jwksFile, issuer: ISSUER, audience: AUDIENCE } } },
    });
    const carol = clientsWithToken(
      test.server.url,
      issuer.sign({ sub: "carol", iss: ISSUER, aud: AUDIENCE }),
    );
    const { thread } = await carol.threads.createThread({ agent: "demo" });
    const { threads } = await carol.threads.listThreads({});
    expect(threads.map((listed) => listed.threadId)).toEqual([thread?.threadId]);

    const stranger = createEs256Issuer("key-2026");
    const forged = clientsWithToken(
      test.server.url,
      stranger.sign({ sub: "carol", iss: ISSUER, aud: AUDIENCE }),
    );
    expect(await codeOf(forged.threads.listThreads({}))).toEqual({
      code: Code.Unauthenticated,
      message: "the token's signature is not valid",
    });
    // A token signed with the shared-secret algorithm cannot pass as one of the set's keys.
    const hmac = clientsWithToken(
      test.server.url,
      signHs256({ sub: "carol", iss: ISSUER, aud: AUDIENCE }, JSON.stringify(issuer.jwks)),
    );
    expect((await codeOf(hmac.threads.listThreads({}))).code).toBe(Code.Unauthenticated);
  });
});
