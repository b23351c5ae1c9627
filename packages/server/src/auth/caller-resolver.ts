// Authentication (X5): from a request's headers to the caller. With no `auth` configured every
// caller is anonymous (the server then listens on loopback only, see listen-guard.ts). Otherwise
// the bearer token must be one of the API keys or a valid JWT.
import type { AuthConfig } from "../config/server-config.js";
import { createApiKeyVerifier } from "./api-keys.js";
import { bearerToken } from "./bearer-token.js";
import { ANONYMOUS_CALLER, type CallerIdentity } from "./caller-identity.js";
import { AuthenticationError } from "./errors.js";
import { createJwtVerifier, type JwtVerifierOptions, looksLikeJwt } from "./jwt-verifier.js";

export interface CallerResolver {
  /** Whether callers must authenticate; false: every caller is anonymous. */
  readonly isEnabled: boolean;
  /** The caller of a request; throws AuthenticationError for missing or invalid credentials. */
  resolve(requestHeader: Headers): Promise<CallerIdentity>;
}

/**
 * The resolver for a configuration's `auth` (null: authentication off). API keys are tried
 * first (a hash and a comparison), then, for a token shaped like one, the JWT.
 * @throws ConfigError when the JWKS file cannot be loaded; RangeError for duplicate API keys.
 */
export async function createCallerResolver(
  config: AuthConfig | null,
  options: JwtVerifierOptions = {},
): Promise<CallerResolver> {
  if (config === null) {
    return { isEnabled: false, resolve: () => Promise.resolve(ANONYMOUS_CALLER) };
  }
  const apiKeys = createApiKeyVerifier(config.apiKeys);
  const jwt = config.jwt === undefined ? undefined : await createJwtVerifier(config.jwt, options);
  const unknownToken =
    config.apiKeys.length === 0
      ? "the token is not a valid JWT"
      : jwt === undefined
        ? "the token is not a valid API key"
        : "the token is neither a valid API key nor a valid JWT";
  return {
    isEnabled: true,
    async resolve(requestHeader) {
      const token = bearerToken(requestHeader.get("authorization"));
      const byKey = apiKeys.verify(token);
      if (byKey !== undefined) return byKey;
      if (jwt !== undefined && looksLikeJwt(token)) return jwt.verify(token);
      throw new AuthenticationError(unknownToken);
    },
  };
}
