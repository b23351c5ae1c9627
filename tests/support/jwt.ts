// JWTs for the authentication tests (X5), signed with node:crypto rather than the server's JWT
// library, so the tests check the server against the JWS standard (RFC 7515), not against itself.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

function signingInput(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
}

/** Seconds since the epoch, as JWT times are written. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token with `claims` (an hour's `exp` unless given). */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const input = signingInput({ alg: "HS256", typ: "JWT" }, { exp: nowSeconds() + 3600, ...claims });
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

export interface Es256Issuer {
  /** The public key as a JSON Web Key Set, as a JWKS file holds it. */
  readonly jwks: { keys: Record<string, unknown>[] };
  /** An ES256 token with `claims` (an hour's `exp` unless given), naming the key's `kid`. */
  sign(claims: Record<string, unknown>): string;
}

/** A fresh P-256 key pair whose public half goes into a JWKS file. */
export function createEs256Issuer(kid: string): Es256Issuer {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    jwks: { keys: [{ ...publicJwk(publicKey), kid, alg: "ES256", use: "sig" }] },
    sign(claims) {
      const input = signingInput(
        { alg: "ES256", typ: "JWT", kid },
        { exp: nowSeconds() + 3600, ...claims },
      );
      return `${input}.${sign("sha256", Buffer.from(input), sigKey(privateKey)).toString("base64url")}`;
    },
  };
}

function publicJwk(key: KeyObject): Record<string, unknown> {
  return key.export({ format: "jwk" }) as Record<string, unknown>;
}

/** JWS ES256 signatures are the raw r‖s pair (RFC 7518 §3.4), not DER. */
function sigKey(key: KeyObject) {
  return { key, dsaEncoding: "ieee-p1363" as const };
}
