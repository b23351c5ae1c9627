// Who is calling. Authentication (X5) is issue #7; until then every call is anonymous and every
// thread is owned by nobody (null), so ownership checks already run on every thread-scoped RPC.
import type { HandlerContext } from "@connectrpc/connect";
import type { Owner } from "../engine/thread-operations.js";

export type CallerResolver = (context: HandlerContext) => Owner;

export const anonymousCaller: CallerResolver = () => null;
