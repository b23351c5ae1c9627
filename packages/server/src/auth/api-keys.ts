// Static API keys (X5). Only SHA-256 digests are held in memory: plain keys from the
// configuration are hashed at start-up, `keyHash` entries are taken as given, and a presented
// token is hashed and compared with every digest in constant time, so neither the keys nor the
// position of a match can be learnt from memory dumps or response times.
import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyConfig } from "../config/server-config.js";
import type { CallerIdentity } from "./caller-identity.js";

const KEY_HASH = /^sha256:(?<hex>[0-9a-fA-F]{64})$/u;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The `keyHash` form of an API key, `sha256:<64 hex digits>`, to put in the configuration. */
export function hashApiKey(key: string): string {
  return `sha256:${sha256(key).toString("hex")}`;
}

/** The digest an API key entry stands for. */
function digestOf(entry: ApiKeyConfig): Buffer {
  if (entry.key !== undefined) return sha256(entry.key);
  const hex = KEY_HASH.exec(entry.keyHash)?.groups?.hex;
  if (hex === undefined)
    throw new RangeError('an API key hash must be "sha256:" and 64 hex digits');
  return Buffer.from(hex, "hex");
}

export interface ApiKeyVerifier {
  /** The caller a token identifies as an API key; undefined when it is none of the keys. */
  verify(token: string): CallerIdentity | undefined;
}

/** @throws RangeError when two entries hold the same key: which principal wins would be luck. */
export function createApiKeyVerifier(entries: readonly ApiKeyConfig[]): ApiKeyVerifier {
  const keys = entries.map((entry) => ({
    digest: digestOf(entry),
    caller: {
      kind: "principal",
      principal: entry.principal,
      roles: new Set(entry.roles),
    } satisfies CallerIdentity,
  }));
  for (const [index, { digest }] of keys.entries()) {
    const first = keys.findIndex((other) => other.digest.equals(digest));
    if (first !== index) {
      throw new RangeError(`auth.apiKeys[${index}] holds the same key as auth.apiKeys[${first}]`);
    }
  }
  return {
    verify(token) {
      const digest = sha256(token);
      let match: CallerIdentity | undefined;
      // Every digest is compared, whether or not one matched already: the time taken does not
      // depend on which key (if any) the token is.
      for (const key of keys) {
        if (timingSafeEqual(key.digest, digest) && match === undefined) match = key.caller;
      }
      return match;
    },
  };
}
