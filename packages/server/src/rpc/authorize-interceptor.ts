// The `authorize` hook of the embedding API (DESIGN §5): custom access rules run before every
// call of the API's services; a refusal is PERMISSION_DENIED. Authentication and thread ownership
// (X5) come first, in the handlers; this hook adds rules an embedder needs on top.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { AuthorizeHook } from "../engine/hooks.js";
import type { CallerResolver } from "./caller.js";

/** The thread a request is about, when it names one (`thread_id`). */
function threadIdOf(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null || !("threadId" in message)) return undefined;
  const { threadId } = message;
  return typeof threadId === "string" && threadId !== "" ? threadId : undefined;
}

export function authorizeInterceptor(
  authorize: AuthorizeHook,
  caller: CallerResolver,
): Interceptor {
  return (next) => async (request) => {
    // Health and reflection stay open: probes and tools must reach them.
    if (!request.service.typeName.startsWith("durable_agents.")) return next(request);
    const message = request.stream ? undefined : request.message;
    const allowed = await authorize({
      principal: caller(request.header),
      service: request.service.typeName,
      method: request.method.name,
      threadId: threadIdOf(message),
    });
    if (!allowed) {
      throw new ConnectError(
        `${request.service.typeName}/${request.method.name} is not allowed for this caller`,
        Code.PermissionDenied,
      );
    }
    return next(request);
  };
}
