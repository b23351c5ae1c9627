import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { AuthConfig } from "../config/server-config.js";
import { hashApiKey } from "./api-keys.js";
import { createCallerResolver } from "./caller-resolver.js";
import { isAuthenticationError } from "./errors.js";

const SECRET = "a-shared-secret-of-at-least-32-characters";
const API_KEY = "dak_live_7f3a9c";

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

async function jwtFor(sub: string): Promise<string> {
  return new SignJWT({ sub, roles: ["runner"] })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    expect(isAuthenticationError(error)).toBe(true);
    return error instanceof Error ? error.message : "";
  }
  throw new Error("the caller was accepted");
}

const both: AuthConfig = {
  apiKeys: [{ keyHash: hashApiKey(API_KEY), principal: "ci", roles: ["admin"] }],
  jwt: {
    secret: SECRET,
    issuer: undefined,
    audience: undefined,
    principalClaim: "sub",
    rolesClaim: "roles",
  },
};

describe("createCallerResolver (X5)", () => {
  it("makes every caller anonymous without auth, whatever it sends", async () => {
    const resolver = await createCallerResolver(null);
    expect(resolver.isEnabled).toBe(false);
    expect(await resolver.resolve(new Headers())).toEqual({ kind: "anonymous" });
    expect(await resolver.resolve(bearer("anything"))).toEqual({ kind: "anonymous" });
  });

  it("identifies an API key's principal and a JWT's", async () => {
    const resolver = await createCallerResolver(both);
    expect(resolver.isEnabled).toBe(true);
    expect(await resolver.resolve(bearer(API_KEY))).toEqual({
      kind: "principal",
      principal: "ci",
      roles: new Set(["admin"]),
    });
    expect(await resolver.resolve(bearer(await jwtFor("alice")))).toEqual({
      kind: "principal",
      principal: "alice",
      roles: new Set(["runner"]),
    });
  });

  it.each<[string, AuthConfig, Headers, string]>([
    [
      "no header",
      both,
      new Headers(),
      'credentials are missing: send the header "authorization: Bearer <token>"',
    ],
    [
      "an unknown key",
      both,
      bearer("dak_live_guess"),
      "the token is neither a valid API key nor a valid JWT",
    ],
    [
      "an unknown key, keys only",
      { apiKeys: both.apiKeys, jwt: undefined },
      bearer("x.y.z"),
      "the token is not a valid API key",
    ],
    [
      "a JWT with a bad signature",
      both,
      bearer("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
      "the token's signature is not valid",
    ],
  ])("refuses %s without echoing the token", async (_case, config, headers, message) => {
    const resolver = await createCallerResolver(config);
    const refusal = await refusalOf(resolver.resolve(headers));
    expect(refusal).toBe(message);
    const sent = headers.get("authorization")?.slice("Bearer ".length);
    if (sent !== undefined) expect(refusal).not.toContain(sent);
  });
});
