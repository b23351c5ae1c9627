// The `authorize` hook of the embedding API (DESIGN §5): custom access rules run before every
// call of the API's services; a refusal is PERMISSION_DENIED. Authentication, roles (the
// authentication interceptor, which runs first) and thread ownership (the engine) come first;
// this hook adds rules an embedder needs on top.
import type { Interceptor } from "@connectrpc/connect";
import { ownerOf, rolesOf } from "../auth/caller-identity.js";
import { PermissionDeniedError } from "../auth/errors.js";
import type { AuthorizeHook } from "../engine/hooks.js";
import { callerOf, isApiService } from "./caller.js";

/** The thread a request is about, when it names one (`thread_id`). */
function threadIdOf(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || !("threadId" in message)) return undefined;
  const { threadId } = message;
  return typeof threadId === "string" && threadId !== "" ? threadId : undefined;
}

export function authorizeInterceptor(authorize: AuthorizeHook): Interceptor {
  return (next) => async (request) => {
    // Health and reflection stay open: probes and tools must reach them.
    if (!isApiService(request.service.typeName)) return next(request);
    const caller = callerOf(request.contextValues);
    const message = request.stream ? undefined : request.message;
    const allowed = await authorize({
      principal: ownerOf(caller),
      roles: rolesOf(caller),
      service: request.service.typeName,
      method: request.method.name,
      threadId: threadIdOf(message),
    });
    if (!allowed) {
      throw new PermissionDeniedError(`${request.service.typeName}/${request.method.name}`, []);
    }
    return next(request);
  };
}
