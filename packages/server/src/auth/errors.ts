// The errors of authentication and access control (X5). Their messages name what is wrong and
// never hold a token, a key or a password: they reach clients and logs (STYLE 12). The RPC edge
// turns them into UNAUTHENTICATED and PERMISSION_DENIED (rpc/errors.ts).

/** Credentials are missing or were not accepted. */
export class AuthenticationError extends Error {
  override readonly name = "AuthenticationError";
}

/** isAuthenticationError tells an {@link AuthenticationError} apart from any other value. */
export function isAuthenticationError(error: unknown): error is AuthenticationError {
  return error instanceof AuthenticationError;
}

/** The caller is authenticated but may not call this RPC. */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
  constructor(
    /** The RPC, as `<service>/<method>`. */
    readonly procedure: string,
    /** The roles that would have allowed it; empty when an authorize hook refused. */
    readonly requiredRoles: readonly string[],
  ) {
    super(
      requiredRoles.length === 0
        ? `${procedure} is not allowed for this caller`
        : `${procedure} needs the role ${requiredRoles.map((role) => `"${role}"`).join(" or ")}`,
    );
  }
}

/** isPermissionDeniedError tells a {@link PermissionDeniedError} apart from any other value. */
export function isPermissionDeniedError(error: unknown): error is PermissionDeniedError {
  return error instanceof PermissionDeniedError;
}

/** The server was asked to listen beyond loopback without authentication and without --insecure. */
export class InsecureListenError extends Error {
  override readonly name = "InsecureListenError";
  constructor(readonly host: string) {
    super(
      `Refusing to listen on "${host}" without authentication: anyone who can reach that address ` +
        "could read and drive every thread. Configure auth (auth.apiKeys or auth.jwt), listen on " +
        "a loopback address (127.0.0.1, ::1, localhost), or accept the risk with --insecure " +
        "(config insecure: true, or DURABLE_AGENTS_INSECURE=1).",
    );
  }
}

/** isInsecureListenError tells an {@link InsecureListenError} apart from any other value. */
export function isInsecureListenError(error: unknown): error is InsecureListenError {
  return error instanceof InsecureListenError;
}
