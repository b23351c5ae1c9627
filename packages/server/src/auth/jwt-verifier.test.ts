import { base64url, type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { isConfigError } from "../config/config-error.js";
import type { JwtConfig } from "../config/server-config.js";
import { isAuthenticationError } from "./errors.js";
import { createJwtVerifier, JWT_CLOCK_TOLERANCE_SECONDS, looksLikeJwt } from "./jwt-verifier.js";

const SECRET = "a-shared-secret-of-at-least-32-characters";
const NOW_S = 1_800_000_000;
const now = () => NOW_S * 1000;

const secretConfig: JwtConfig = {
  secret: SECRET,
  issuer: "https://issuer.example",
  audience: "durable-agents",
  principalClaim: "sub",
  rolesClaim: "roles",
};

interface TokenOptions {
  claims?: Record<string, unknown>;
  alg?: string;
  key?: Uint8Array | CryptoKey;
  kid?: string;
  issuer?: string | null;
  audience?: string | null;
  expiresAt?: number | null;
  notBefore?: number;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ sub: "alice", roles: ["admin"], ...options.claims })
    .setProtectedHeader({
      alg: options.alg ?? "HS256",
      ...(options.kid === undefined ? {} : { kid: options.kid }),
    })
    .setIssuedAt(NOW_S - 60);
  if (options.issuer !== null) jwt.setIssuer(options.issuer ?? "https://issuer.example");
  if (options.audience !== null) jwt.setAudience(options.audience ?? "durable-agents");
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? NOW_S + 3600);
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.key ?? new TextEncoder().encode(SECRET));
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    expect(isAuthenticationError(error)).toBe(true);
    return error instanceof Error ? error.message : "";
  }
  throw new Error("the token was accepted");
}

describe("JWT verification (X5)", () => {
  it("identifies the principal and roles of a valid HS256 token", async () => {
    const verifier = await createJwtVerifier(secretConfig, { now });
    expect(await verifier.verify(await token())).toEqual({
      kind: "principal",
      principal: "alice",
      roles: new Set(["admin"]),
    });
  });

  it("reads configured claims; roles may be a space-separated string or absent", async () => {
    const verifier = await createJwtVerifier(
      { ...secretConfig, principalClaim: "email", rolesClaim: "scope" },
      { now },
    );
    const caller = await verifier.verify(
      await token({ claims: { email: "bob@example.com", scope: "runner  admin" } }),
    );
    expect(caller).toEqual({
      kind: "principal",
      principal: "bob@example.com",
      roles: new Set(["runner", "admin"]),
    });
    const plain = await createJwtVerifier({ ...secretConfig, rolesClaim: "groups" }, { now });
    expect(await plain.verify(await token())).toMatchObject({ roles: new Set() });
  });

  it("accepts any issuer and audience when none is configured", async () => {
    const verifier = await createJwtVerifier(
      { ...secretConfig, issuer: undefined, audience: undefined },
      { now },
    );
    expect(await verifier.verify(await token({ issuer: null, audience: null }))).toMatchObject({
      principal: "alice",
    });
  });

  it(`tolerates ${JWT_CLOCK_TOLERANCE_SECONDS} s of clock skew and no more`, async () => {
    const verifier = await createJwtVerifier(secretConfig, { now });
    const justExpired = await token({ expiresAt: NOW_S - JWT_CLOCK_TOLERANCE_SECONDS + 1 });
    expect(await verifier.verify(justExpired)).toMatchObject({ principal: "alice" });
    const expired = await token({ expiresAt: NOW_S - JWT_CLOCK_TOLERANCE_SECONDS - 1 });
    expect(await refusalOf(verifier.verify(expired))).toBe("the token has expired");
  });

  it.each<[string, () => Promise<string>, string]>([
    ["expired", () => token({ expiresAt: NOW_S - 3600 }), "the token has expired"],
    ["without exp", () => token({ expiresAt: null }), 'the token has no "exp" claim'],
    ["not yet valid", () => token({ notBefore: NOW_S + 3600 }), "the token is not valid yet"],
    [
      "of another issuer",
      () => token({ issuer: "https://evil.example" }),
      "the token's issuer is not accepted",
    ],
    ["without issuer", () => token({ issuer: null }), 'the token has no "iss" claim'],
    [
      "for another audience",
      () => token({ audience: "other" }),
      "the token's audience is not accepted",
    ],
    [
      "signed with another secret",
      () => token({ key: new TextEncoder().encode("another-secret-of-at-least-32-characters") }),
      "the token's signature is not valid",
    ],
    [
      "with alg none",
      async () => `${base64url.encode('{"alg":"none"}')}.${(await token()).split(".")[1] ?? ""}.`,
      "the token's signing algorithm is not accepted",
    ],
    [
      "without a principal",
      () => token({ claims: { sub: undefined } }),
      'the token\'s "sub" claim must name the principal',
    ],
    [
      "with numeric roles",
      () => token({ claims: { roles: [1, 2] } }),
      'the token\'s "roles" claim must be a list of role names',
    ],
    ["that is garbage", async () => "not.a.jwt", "the token is not a valid JWT"],
  ])("refuses a token %s", async (_case, makeToken, message) => {
    const verifier = await createJwtVerifier(secretConfig, { now });
    const bad = await makeToken();
    const refusal = await refusalOf(verifier.verify(bad));
    expect(refusal).toBe(message);
    expect(refusal).not.toContain(bad);
  });

  it("refuses an asymmetric token when a secret is configured (no algorithm confusion)", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const verifier = await createJwtVerifier(secretConfig, { now });
    expect(await refusalOf(verifier.verify(await token({ alg: "ES256", key: privateKey })))).toBe(
      "the token's signing algorithm is not accepted",
    );
  });

  describe("with a JWKS file", () => {
    async function keySetFile() {
      const { publicKey, privateKey } = await generateKeyPair("ES256");
      const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
      return { privateKey, text: JSON.stringify({ keys: [jwk] }) };
    }
    const jwksConfig = (): JwtConfig => ({
      jwksFile: "/etc/durable-agents/jwks.json",
      issuer: "https://issuer.example",
      audience: "durable-agents",
      principalClaim: "sub",
      rolesClaim: "roles",
    });

    it("verifies tokens signed by a key of the set", async () => {
      const { privateKey, text } = await keySetFile();
      const verifier = await createJwtVerifier(jwksConfig(), {
        now,
        readFile: async (path) => {
          expect(path).toBe("/etc/durable-agents/jwks.json");
          return text;
        },
      });
      const signed = await token({ alg: "ES256", key: privateKey, kid: "k1" });
      expect(await verifier.verify(signed)).toMatchObject({ principal: "alice" });
      const other = await generateKeyPair("ES256");
      expect(
        await refusalOf(
          verifier.verify(await token({ alg: "ES256", key: other.privateKey, kid: "k1" })),
        ),
      ).toBe("the token's signature is not valid");
      expect(
        await refusalOf(verifier.verify(await token({ alg: "ES256", key: privateKey, kid: "k2" }))),
      ).toBe("no configured key matches the token");
      // An HMAC token for a key set of public keys never passes (algorithm confusion).
      expect(await refusalOf(verifier.verify(await token({ kid: "k1" })))).toBe(
        "the token's signing algorithm is not accepted",
      );
    });

    it.each([
      [
        async () => {
          throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
        },
        "cannot read the JWKS file of auth.jwt.jwksFile (ENOENT)",
      ],
      [
        async () => "{ not json",
        'auth.jwt.jwksFile must hold a JSON Web Key Set ({ "keys": [ … ] })',
      ],
      [
        async () => '{"keys": 7}',
        'auth.jwt.jwksFile must hold a JSON Web Key Set ({ "keys": [ … ] })',
      ],
    ])("refuses a JWKS file it cannot use, at start-up (%#)", async (readFile, message) => {
      let caught: unknown;
      try {
        await createJwtVerifier(jwksConfig(), { readFile });
      } catch (error: unknown) {
        caught = error;
      }
      expect(isConfigError(caught)).toBe(true);
      expect(caught instanceof Error ? caught.message : "").toContain(message);
    });
  });

  it.each([
    ["eyJh.eyJz.c2ln", true],
    ["eyJh.eyJz.", false],
    ["plain-api-key", false],
    ["a.b.c.d", false],
  ])("looksLikeJwt(%j) is %j", (text, expected) => {
    expect(looksLikeJwt(text)).toBe(expected);
  });
});
