// Who is calling (X5): an anonymous caller when authentication is off, else the principal a
// bearer token proved, with its roles. Threads belong to principals; roles open what is not a
// principal's own (AdminService, RegisterTools).
import type { Owner } from "../engine/thread-operations.js";

/** The caller of one RPC, as authentication established it. */
export type CallerIdentity =
  | {
      /** Authentication is off: the server listens on loopback only and trusts every caller. */
      readonly kind: "anonymous";
    }
  | {
      readonly kind: "principal";
      /** The principal's name: an API key's `principal`, or a JWT's principal claim. */
      readonly principal: string;
      readonly roles: ReadonlySet<string>;
    };

/** The caller of every RPC while authentication is off. */
export const ANONYMOUS_CALLER: CallerIdentity = Object.freeze({ kind: "anonymous" });

/** The owner of the threads the caller creates and may use; null while authentication is off. */
export function ownerOf(caller: CallerIdentity): Owner {
  return caller.kind === "anonymous" ? null : caller.principal;
}

/** The caller's roles, sorted (for the authorize hook and logs). */
export function rolesOf(caller: CallerIdentity): string[] {
  return caller.kind === "anonymous" ? [] : [...caller.roles].sort();
}

/**
 * Whether the caller holds one of `roles`. Without authentication every caller may do everything:
 * such a server only listens on loopback unless its operator chose `--insecure` (X5).
 */
export function hasAnyRole(caller: CallerIdentity, roles: readonly string[]): boolean {
  return caller.kind === "anonymous" || roles.some((role) => caller.roles.has(role));
}
