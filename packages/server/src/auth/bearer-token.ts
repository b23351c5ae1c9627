// The bearer token of a request (RFC 6750 §2.1): `Authorization: Bearer <token>`, the scheme in
// any case. Messages say what is wrong with the header, never what it held.
import { AuthenticationError } from "./errors.js";

const BEARER = /^Bearer[ \t]+(?<token>[^\s]+)[ \t]*$/iu;

/** The token of an `authorization` header value; throws AuthenticationError without one. */
export function bearerToken(authorization: string | null): string {
  if (authorization === null || authorization.trim() === "") {
    throw new AuthenticationError(
      'credentials are missing: send the header "authorization: Bearer <token>"',
    );
  }
  const token = BEARER.exec(authorization)?.groups?.token;
  if (token === undefined) {
    throw new AuthenticationError('the authorization header must be "Bearer <token>"');
  }
  return token;
}
