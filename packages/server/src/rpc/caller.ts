// The caller at the RPC edge (X5). The authentication interceptor resolves who calls each RPC of
// the API once, checks the roles the RPC needs, and leaves the caller in the call's context
// values; handlers pass its owner to the engine (every thread-scoped operation checks it), the
// authorize hook and later interceptors (limits per principal) read it with `callerOf`.
// grpc.health.v1 and server reflection stay open: probes must reach health, and reflection only
// describes the public .proto files.
import {
  type ContextValues,
  createContextKey,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import type { Logger } from "pino";
import { checkRoles } from "../auth/access-rules.js";
import { type CallerIdentity, ownerOf } from "../auth/caller-identity.js";
import type { CallerResolver } from "../auth/caller-resolver.js";
import { isAuthenticationError } from "../auth/errors.js";
import type { Owner } from "../engine/thread-operations.js";

const callerKey = createContextKey<CallerIdentity | undefined>(undefined, {
  description: "the authenticated caller of a durable-agents RPC",
});

/** Whether a service is one of the API's (authenticated), not health or reflection (open). */
export function isApiService(typeName: string): boolean {
  return typeName.startsWith("durable_agents.");
}

/**
 * The caller of an API call, as the authentication interceptor resolved it.
 * @throws Error when that interceptor did not run for the call (a wiring mistake, never a client's).
 */
export function callerOf(values: ContextValues): CallerIdentity {
  const caller = values.get(callerKey);
  if (caller === undefined)
    throw new Error("no caller: the authentication interceptor did not run");
  return caller;
}

/** How handlers find the owner of the threads a call may use. */
export type CallOwner = (context: Pick<HandlerContext, "values">) => Owner;

/** The owner of a call's threads: its principal, or null while authentication is off. */
export const ownerOfCall: CallOwner = (context) => ownerOf(callerOf(context.values));

/**
 * Authenticates every call of the API's services and checks the roles its RPC needs; a refusal
 * is an AuthenticationError (UNAUTHENTICATED) or PermissionDeniedError (PERMISSION_DENIED).
 */
export function authenticationInterceptor(resolver: CallerResolver, logger: Logger): Interceptor {
  return (next) => async (request) => {
    const service = request.service.typeName;
    if (!isApiService(service)) return next(request);
    let caller: CallerIdentity;
    try {
      caller = await resolver.resolve(request.header);
    } catch (error: unknown) {
      // The reason names the failed check only; the token is never logged (STYLE 12).
      if (isAuthenticationError(error)) {
        logger.info(
          { procedure: `${service}/${request.method.name}`, reason: error.message },
          "authentication failed",
        );
      }
      throw error;
    }
    checkRoles(caller, service, request.method.name);
    request.contextValues.set(callerKey, caller);
    return next(request);
  };
}
