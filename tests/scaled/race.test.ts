// Issue #5 acceptance (DESIGN §4: per-thread serialisation by row locks, never a process-local
// mutex alone): 100 concurrent SendMessage / ResumeThread / StopThread / AddToolResult calls on the
// same few threads, spread over three replicas (separate processes) on one PostgreSQL database,
// leave every thread in a state B1–B19 and the §4 invariants allow — checked by a validator.
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { BusyPolicy, ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ChildServer,
  killAllChildServers,
  startChildServer,
} from "../faults/support/child-server.js";
import {
  deleteStreams,
  missingNats,
  randomPrefix,
  sharedNatsUrl,
} from "../integration-nats/support/nats.js";
import { createTestDatabase, missingPostgres, type TestDatabase } from "../support/postgres.js";
import { hasStatus, waitForThread } from "../support/wait.js";
import {
  isAtRest,
  readThreadView,
  type ThreadRequests,
  violations,
} from "./support/thread-invariants.js";

const missing = (await missingNats()) ?? (await missingPostgres());
const skip = missing !== undefined && process.env.CI !== "true";

const THREADS = 5;
const CALLS = 100;
const FIRST_PROMPT = "please approve";
/** Codes a racing call may be refused with: the thread was busy, stopped or the call not pending. */
const REFUSALS = new Set([Code.FailedPrecondition]);

/** A seeded generator, so a failing interleaving of requests can be replayed (DURABLE_AGENTS_RACE_SEED). */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe.skipIf(skip)(
  skip ? `replica race — SKIPPED: ${missing}` : "racing calls on the same threads across replicas",
  { timeout: 120_000 },
  () => {
    let database: TestDatabase;
    let prefix: string;

    beforeEach(async () => {
      database = await createTestDatabase();
      prefix = randomPrefix();
    }, 30_000);

    afterEach(async () => {
      await killAllChildServers();
      await deleteStreams(sharedNatsUrl, prefix);
      await database.drop();
    }, 60_000);

    it("ACCEPTANCE 100 concurrent SendMessage/ResumeThread/StopThread/AddToolResult calls over 3 replicas leave every thread valid (B1–B19, §4)", async () => {
      const seed = Number(process.env.DURABLE_AGENTS_RACE_SEED ?? Date.now() % 1_000_000);
      const random = createRandom(seed);
      const pick = <T>(items: readonly T[]): T => {
        const item = items[Math.floor(random() * items.length)];
        if (item === undefined) throw new Error("pick from an empty list");
        return item;
      };
      const replicas: ChildServer[] = await Promise.all(
        [0, 1, 2].map(() =>
          startChildServer({
            store: database.url,
            config: {
              // Tools run in the replicas (no runner processes): the race is between servers.
              nats: { url: sharedNatsUrl, prefix, localTools: true },
              providers: { demo: { type: "demo", chunkDelayMs: 2 } },
            },
            startTimeoutMs: 30_000,
          }),
        ),
      );
      const observer = replicas[0];
      if (observer === undefined) throw new Error("three replicas expected");

      // Each thread waits for its async approval call, so AddToolResult has something to race on.
      const threads = await Promise.all(
        Array.from({ length: THREADS }, async () => {
          const { thread } = await pick(replicas).threads.createThread({
            agent: "demo",
            prompt: FIRST_PROMPT,
          });
          const threadId = thread?.threadId ?? "";
          await waitForThread(
            observer.streams,
            threadId,
            hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
            20_000,
          );
          const { toolCalls } = await observer.toolCalls.listToolCalls({ threadId });
          const toolCallId = toolCalls[0]?.toolCallId ?? "";
          const requests: ThreadRequests = {
            threadId,
            firstPrompt: FIRST_PROMPT,
            appended: [],
            queued: [],
            refused: [],
            appliedResults: [],
            replyTo: (prompt) => `You said: ${prompt}`,
          };
          return { threadId, toolCallId, requests };
        }),
      );

      const unexpected: string[] = [];
      const refusedOrThrow = (error: unknown, what: string): void => {
        const connectError = ConnectError.from(error);
        if (!REFUSALS.has(connectError.code))
          unexpected.push(`${what}: ${Code[connectError.code]} ${connectError.rawMessage}`);
      };
      await Promise.all(
        Array.from({ length: CALLS }, async (_, index) => {
          const { threadId, toolCallId, requests } = pick(threads);
          const replica = pick(replicas);
          const roll = random();
          const prompt = `race ${index}`;
          try {
            if (roll < 0.35) {
              const onBusy = pick([BusyPolicy.REJECT, BusyPolicy.ENQUEUE, BusyPolicy.INTERRUPT]);
              const response = await replica.threads
                .sendMessage({ threadId, content: { case: "prompt", value: prompt }, onBusy })
                .catch((error: unknown) => {
                  requests.refused.push(prompt);
                  throw error;
                });
              (response.enqueued ? requests.queued : requests.appended).push(prompt);
            } else if (roll < 0.5) {
              const withPrompt = random() < 0.5;
              await replica.threads
                .resumeThread({ threadId, ...(withPrompt ? { prompt } : {}) })
                .catch((error: unknown) => {
                  if (withPrompt) requests.refused.push(prompt);
                  throw error;
                });
              if (withPrompt) requests.appended.push(prompt);
            } else if (roll < 0.7) {
              await replica.threads.stopThread({ threadId });
            } else {
              const result: JsonValue = { approved: random() < 0.5, by: `call ${index}` };
              const { applied } = await replica.toolCalls.addToolResult({
                threadId,
                toolCallId,
                result: fromJson(ValueSchema, result),
              });
              if (applied) requests.appliedResults.push(result);
            }
          } catch (error: unknown) {
            refusedOrThrow(error, `call ${index} on ${threadId}`);
          }
        }),
      );
      expect(unexpected, `seed ${seed}`).toEqual([]);

      // Let every thread come to rest, then validate what the API shows from any replica.
      for (const { threadId, requests } of threads) {
        const view = await readAtRest(replicas, threadId);
        expect(violations(view, requests), `seed ${seed}`).toEqual([]);
      }
    });
  },
);

/**
 * Reads the thread once it is at rest and stays so while it is read: a view is taken only when the
 * thread's version did not move between the start and the end of the reading.
 */
async function readAtRest(replicas: readonly ChildServer[], threadId: string) {
  for (;;) {
    const reader = replicas[Math.floor(Math.random() * replicas.length)] ?? replicas[0];
    if (reader === undefined) throw new Error("no replica");
    const rest = await waitForThread(reader.streams, threadId, isAtRest, 30_000);
    const view = await readThreadView(reader, threadId);
    if (view.thread.version === rest.version) return view;
  }
}
