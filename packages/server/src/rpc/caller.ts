// Who is calling, from the request headers. Authentication (X5) is issue #7; until then every call
// is anonymous and every thread is owned by nobody (null), so the ownership checks already run on
// every thread-scoped RPC.
import type { Owner } from "../engine/thread-operations.js";

export type CallerResolver = (requestHeader: Headers) => Owner;

export const anonymousCaller: CallerResolver = () => null;
