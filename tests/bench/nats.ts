// NATS for the bench's NATS figures: the shared JetStream server on 127.0.0.1:4222 (or
// DURABLE_AGENTS_BENCH_NATS_URL). Each figure uses names of its own (a random prefix) and deletes
// the streams it created, whether it succeeded or not.
import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

export const benchNatsUrl = process.env.DURABLE_AGENTS_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";

/** Why the NATS figures cannot be measured here, or undefined when they can. */
export async function missingNats(url: string): Promise<string | undefined> {
  try {
    const probe = await connect({ servers: url, timeout: 1_000, maxReconnectAttempts: 0 });
    try {
      const jsm = await jetstreamManager(probe);
      await jsm.getAccountInfo();
    } finally {
      await probe.close();
    }
    return undefined;
  } catch (error: unknown) {
    return `no JetStream at ${url}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A fresh prefix for subjects and streams: `bench_<16 hex digits>`. */
export function randomPrefix(): string {
  return `bench_${randomBytes(8).toString("hex")}`;
}

/** Deletes the named streams (and with them their consumers); missing ones are fine. */
export async function deleteStreams(url: string, streams: readonly string[]): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
