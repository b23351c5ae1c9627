// Which RPCs need a role (X5). Every RPC of the API needs an authenticated caller, and a
// thread-scoped one only ever reaches the caller's own threads (the engine's ownership check);
// these rules add the roles for what is not anyone's own: operating the whole deployment
// (AdminService) and changing the tool registry every agent relies on (RegisterTools).
import { type CallerIdentity, hasAnyRole } from "./caller-identity.js";
import { PermissionDeniedError } from "./errors.js";

/** The role of operators: AdminService, and RegisterTools. */
export const ADMIN_ROLE = "admin";
/** The role of tool runners that register over the API rather than over NATS. */
export const RUNNER_ROLE = "runner";

/** Roles by service type name, or by `<service type name>/<method>`; the method's rule wins. */
const REQUIRED_ROLES: Readonly<Record<string, readonly string[]>> = {
  "durable_agents.v1.AdminService": [ADMIN_ROLE],
  "durable_agents.v1.ToolCallService/RegisterTools": [RUNNER_ROLE, ADMIN_ROLE],
};

/** The roles any one of which an RPC needs; empty when every authenticated caller may call it. */
export function requiredRoles(service: string, method: string): readonly string[] {
  return REQUIRED_ROLES[`${service}/${method}`] ?? REQUIRED_ROLES[service] ?? [];
}

/** Throws PermissionDeniedError when the caller lacks the role the RPC needs. */
export function checkRoles(caller: CallerIdentity, service: string, method: string): void {
  const roles = requiredRoles(service, method);
  if (roles.length > 0 && !hasAnyRole(caller, roles)) {
    throw new PermissionDeniedError(`${service}/${method}`, roles);
  }
}
