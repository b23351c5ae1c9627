// JWT bearer tokens (X5): signed with a shared secret (HS256/384/512) or by a key of a JSON Web
// Key Set file, with the configured issuer and audience, not expired. The principal comes from
// `principalClaim`, the roles from `rolesClaim`. Every refusal is an AuthenticationError whose
// message names the check that failed and never holds the token.
import { readFile } from "node:fs/promises";
import {
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { ConfigError } from "../config/config-error.js";
import type { JwtConfig } from "../config/server-config.js";
import type { CallerIdentity } from "./caller-identity.js";
import { AuthenticationError } from "./errors.js";

/** Leeway for clocks that disagree between the token issuer and this server, in seconds. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;
const SECRET_ALGORITHMS = ["HS256", "HS384", "HS512"];
/** The compact JWS form: three base64url segments (the second and third may not be empty). */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/u;

export interface JwtVerifier {
  /** The caller the token proves; throws AuthenticationError when it proves none. */
  verify(token: string): Promise<CallerIdentity>;
}

export interface JwtVerifierOptions {
  /** Reads the JWKS file. @default node:fs readFile as UTF-8 */
  readFile?: (path: string) => Promise<string>;
  /** The current time in ms (tests). @default Date.now */
  now?: () => number;
}

/** Whether a token has the shape of a JWT at all (API keys usually do not). */
export function looksLikeJwt(token: string): boolean {
  return COMPACT_JWS.test(token);
}

async function loadKeySet(
  path: string,
  read: (path: string) => Promise<string>,
): Promise<JWTVerifyGetKey> {
  const fail = (message: string, cause: unknown): never => {
    throw new ConfigError(path, [{ path: "", message }], { cause });
  };
  let text = "";
  try {
    text = await read(path);
  } catch (error: unknown) {
    fail(
      `cannot read the JWKS file of auth.jwt.jwksFile (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
      error,
    );
  }
  try {
    return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
  } catch (error: unknown) {
    return fail('auth.jwt.jwksFile must hold a JSON Web Key Set ({ "keys": [ … ] })', error);
  }
}

/** Why jose refused a token, in words that hold nothing of the token. */
function refusal(error: unknown): AuthenticationError | undefined {
  if (error instanceof joseErrors.JWTExpired)
    return new AuthenticationError("the token has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.reason === "missing") {
      return new AuthenticationError(`the token has no "${error.claim}" claim`);
    }
    switch (error.claim) {
      case "iss":
        return new AuthenticationError("the token's issuer is not accepted");
      case "aud":
        return new AuthenticationError("the token's audience is not accepted");
      case "nbf":
        return new AuthenticationError("the token is not valid yet");
      default:
        return new AuthenticationError(`the token's "${error.claim}" claim is not accepted`);
    }
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return new AuthenticationError("the token's signature is not valid");
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported)
    return new AuthenticationError("the token's signing algorithm is not accepted");
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return new AuthenticationError("no configured key matches the token");
  if (error instanceof joseErrors.JOSEError)
    return new AuthenticationError("the token is not a valid JWT");
  return undefined;
}

/** The roles a claim lists: an array of strings, or one space-separated string (OAuth scopes). */
function rolesFrom(value: unknown, claim: string): Set<string> {
  if (value === undefined) return new Set();
  if (typeof value === "string") return new Set(value.split(/\s+/u).filter((role) => role !== ""));
  if (Array.isArray(value) && value.every((role) => typeof role === "string"))
    return new Set(value);
  throw new AuthenticationError(`the token's "${claim}" claim must be a list of role names`);
}

function callerFrom(payload: JWTPayload, config: JwtConfig): CallerIdentity {
  const principal = payload[config.principalClaim];
  if (typeof principal !== "string" || principal === "") {
    throw new AuthenticationError(
      `the token's "${config.principalClaim}" claim must name the principal`,
    );
  }
  return {
    kind: "principal",
    principal,
    roles: rolesFrom(payload[config.rolesClaim], config.rolesClaim),
  };
}

/**
 * A verifier for the configured JWTs; reads the JWKS file now (a change to it needs a restart).
 * @throws ConfigError when the JWKS file cannot be read or is no key set.
 */
export async function createJwtVerifier(
  config: JwtConfig,
  options: JwtVerifierOptions = {},
): Promise<JwtVerifier> {
  const key: Uint8Array | JWTVerifyGetKey =
    config.secret !== undefined
      ? new TextEncoder().encode(config.secret)
      : await loadKeySet(config.jwksFile, options.readFile ?? ((path) => readFile(path, "utf8")));
  const now = options.now ?? Date.now;
  const verifyOptions = {
    issuer: config.issuer,
    audience: config.audience,
    // A token without an expiry would be valid forever once leaked.
    requiredClaims: ["exp"],
    clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
    // A shared secret only signs HMAC tokens; a key set's keys say their own algorithms.
    ...(config.secret === undefined ? {} : { algorithms: SECRET_ALGORITHMS }),
  };
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        const options = { ...verifyOptions, currentDate: new Date(now()) };
        ({ payload } = await jwtVerify(token, key, options));
      } catch (error: unknown) {
        throw refusal(error) ?? error;
      }
      return callerFrom(payload, config);
    },
  };
}
