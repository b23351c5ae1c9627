// Issue #5 "no duplicate turn": many threads run tool loops at once on one server on PostgreSQL
// (READ COMMITTED) with its tools in a NATS runner process, the deployment of the throughput
// benchmark, while periodic recovery (B20) sweeps every quarter second. Every loop is exactly
// three streams (the turn that calls the tool, the tool's outcome stream of B15, the answering
// turn), so after L loops a thread's seq is exactly 3L: a continuation applied twice (B2, B8,
// B19), a recovery that continues a finished thread, or one that supersedes a turn about to take
// its stream (its run_turn job claimed, the stream still pending) adds a turn or a seq, and a
// turn left running makes the next SendMessage fail as busy.
import { ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deleteStreams,
  missingNats,
  randomPrefix,
  sharedNatsUrl,
} from "../integration-nats/support/nats.js";
import { killAllRunners, startRunner } from "../integration-nats/support/runners.js";
import { listAllMessages, outline } from "../support/conversation.js";
import { createTestDatabase, missingPostgres, type TestDatabase } from "../support/postgres.js";
import {
  createScriptedModel,
  type ModelCallOptions,
  textReply,
  toolCallReply,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { waitForThread } from "../support/wait.js";

const missing = (await missingNats()) ?? (await missingPostgres());
const skip = missing !== undefined && process.env.CI !== "true";

const THREADS = 24;
const LOOPS = 4;
/** Streams per loop: the tool-calling turn, the tool's outcome stream (B15), the answering turn. */
const STREAMS_PER_LOOP = 3;
/** Recovery sweeps (B20) run this often, so they meet loops at every step. */
const RECOVERY_INTERVAL_MS = 250;
const LOOP_TIMEOUT_MS = 60_000;

/** How many user messages the model was given: the number of the loop it is in. */
function loopOf(call: ModelCallOptions): number {
  return call.prompt.filter((message) => message.role === "user").length;
}

describe.skipIf(skip)(
  skip
    ? `concurrent tool loops — SKIPPED: ${missing}`
    : "concurrent tool loops on PostgreSQL + NATS (issue #5: no duplicate turn)",
  { timeout: 180_000 },
  () => {
    let database: TestDatabase;
    let prefix: string;
    let server: TestServer | undefined;

    beforeEach(async () => {
      database = await createTestDatabase();
      prefix = randomPrefix();
    }, 30_000);

    afterEach(async () => {
      await killAllRunners();
      await server?.close();
      server = undefined;
      await deleteStreams(sharedNatsUrl, prefix);
      await database.drop();
    }, 60_000);

    it(`B2 B8 B19 B20 ${THREADS} threads × ${LOOPS} tool loops each get exactly their turns: seq ${STREAMS_PER_LOOP}×loops, one answer per message`, async () => {
      // Each turn either calls get_weather (a new user message) or answers its result.
      const scripted = createScriptedModel((_index, call) => {
        const loop = loopOf(call);
        return call.prompt.at(-1)?.role === "tool"
          ? textReply(`answer ${loop}`)
          : toolCallReply(`call_${loop}`, "get_weather", { location: "Oslo" });
      });
      const started = await startTestServer({
        store: database.url,
        config: { nats: { url: sharedNatsUrl, prefix } },
        agents: [{ name: "looper", model: scripted.model, tools: ["get_weather"] }],
        engine: { recoveryIntervalMs: RECOVERY_INTERVAL_MS },
      });
      server = started;
      await startRunner({ natsUrl: sharedNatsUrl, prefix, name: "loop-runner", demo: true });

      const runThread = async () => {
        const { thread } = await started.threads.createThread({ agent: "looper" });
        const threadId = thread?.threadId ?? "";
        for (let loop = 1; loop <= LOOPS; loop += 1) {
          // REJECT (the default) refuses a busy thread: a turn left running after the last loop
          // ended fails the test here.
          const sent = await started.threads.sendMessage({
            threadId,
            content: { case: "prompt", value: `loop ${loop}` },
          });
          const sentVersion = sent.thread?.version ?? 0n;
          // The loop's end is a completed state written after the message was accepted.
          await waitForThread(
            started.streams,
            threadId,
            (state) =>
              state.version > sentVersion &&
              state.status === ThreadStatus.COMPLETED &&
              state.activeStreamId === undefined,
            LOOP_TIMEOUT_MS,
          );
        }
        return threadId;
      };
      const threadIds = await Promise.all(Array.from({ length: THREADS }, () => runThread()));

      // A recovery pass over threads at rest continues none of them (B20).
      const { continuedCount } = await started.admin.recoverThreads({});
      expect(continuedCount).toBe(0);

      const expectedMessages = Array.from({ length: LOOPS }, (_, index) => [
        ["user", `text:loop ${index + 1}`],
        ["assistant", "tool-get_weather:output-available", `text:answer ${index + 1}`],
      ]).flat();
      const expectedCalls = Array.from({ length: LOOPS }, (_, index) => [
        `call_${index + 1}`,
        "COMPLETED",
        "loop-runner",
      ]);
      for (const threadId of threadIds) {
        const { thread } = await started.threads.getThread({ threadId });
        expect(thread?.status).toBe(ThreadStatus.COMPLETED);
        expect(thread?.activeStreamId).toBeUndefined();
        expect(thread?.seq).toBe(BigInt(STREAMS_PER_LOOP * LOOPS));
        expect(outline(await listAllMessages(started.threads, threadId))).toEqual(expectedMessages);
        const { toolCalls } = await started.toolCalls.listToolCalls({ threadId });
        expect(
          toolCalls.map((call) => [call.toolCallId, ToolCallStatus[call.status], call.runnerId]),
        ).toEqual(expectedCalls);
      }
      // Two model calls per loop and not one more.
      expect(scripted.calls).toHaveLength(THREADS * LOOPS * 2);
    });
  },
);
