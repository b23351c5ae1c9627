// The --insecure rule (X5): a server without authentication trusts every caller, so it only
// listens where no one else can reach it, loopback, unless its operator explicitly accepts the
// risk (a private network behind another gate, a container's port published only to the host).
import { isLoopbackHost } from "../net/loopback.js";
import { InsecureListenError } from "./errors.js";

/** How the API is exposed: to authenticated callers, to this machine only, or to anyone. */
export type ListenExposure = "authenticated" | "loopback" | "insecure";

export interface ListenGuardInput {
  host: string;
  isAuthEnabled: boolean;
  /** `--insecure`, `insecure: true` or DURABLE_AGENTS_INSECURE=1. */
  insecure: boolean;
  /** Resolves a host name (tests). @default node:dns lookup */
  resolve?: (host: string) => Promise<readonly { address: string }[]>;
}

/** @throws InsecureListenError for a non-loopback address without auth and without insecure. */
export async function checkListenExposure(input: ListenGuardInput): Promise<ListenExposure> {
  if (input.isAuthEnabled) return "authenticated";
  if (await isLoopbackHost(input.host, input.resolve)) return "loopback";
  if (input.insecure) return "insecure";
  throw new InsecureListenError(input.host);
}
