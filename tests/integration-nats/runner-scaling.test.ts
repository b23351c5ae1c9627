// Issue #4 acceptance: three runner processes share 300 tool calls from 30 threads. Every call
// executes exactly once (nothing crashes), each runner gets at least 15 % of them, and every
// conversation ends exactly as it should.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLines } from "../faults/support/file-lines.js";
import { listAllMessages, outline } from "../support/conversation.js";
import {
  createScriptedModel,
  lastUserText,
  type ModelStreamPart,
  type ScriptedReply,
  textReply,
  toolResultsSeen,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { isIdle, waitForThread } from "../support/wait.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, type RunnerProcess, startRunner } from "./support/runners.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;

const THREADS = 30;
const CALLS_PER_THREAD = 10;

/** The first turn of a thread calls record_call ten times at once; the second sums up. */
function batchReply(_index: number, call: Parameters<typeof lastUserText>[0]): ScriptedReply {
  const seen = toolResultsSeen(call);
  if (seen.length > 0) return textReply(`recorded ${seen.length}`);
  const batch = lastUserText(call);
  const parts: ModelStreamPart[] = [];
  for (let n = 1; n <= CALLS_PER_THREAD; n += 1) {
    parts.push({
      type: "tool-call",
      toolCallId: `call_${n}`,
      toolName: "record_call",
      input: JSON.stringify({ label: `${batch}/${n}` }),
    });
  }
  return { parts, finishReason: "tool-calls" };
}

describe.skipIf(skip)(
  skip ? `runner scaling — SKIPPED: ${missing}` : "three runners share the tool calls (issue #4)",
  { timeout: 120_000 },
  () => {
    let prefix: string;
    let dataDir: string;
    let server: TestServer;

    beforeEach(async () => {
      prefix = randomPrefix();
      dataDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-scaling-"));
      const scripted = createScriptedModel(batchReply);
      server = await startTestServer({
        config: { nats: { url: sharedNatsUrl, prefix } },
        agents: [{ name: "batch", model: scripted.model, tools: ["record_call"] }],
      });
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      await killAllRunners();
      await server.close();
      await deleteStreams(sharedNatsUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }, HOOK_TIMEOUT_MS);

    it("B6 B15 300 calls from 30 threads execute exactly once, split over 3 runners (≥ 15 % each)", async () => {
      const toolLog = join(dataDir, "executions.log");
      const runners: RunnerProcess[] = [];
      for (const name of ["runner-a", "runner-b", "runner-c"]) {
        runners.push(
          await startRunner({
            natsUrl: sharedNatsUrl,
            prefix,
            name,
            testTools: true,
            // A runner holds at most 4 calls at once, each working for 20 ms: the load spreads
            // because no runner can take more than its share at a time.
            concurrency: 4,
            env: { NATS_TEST_TOOL_LOG: toolLog, NATS_TEST_TOOL_DELAY_MS: "20" },
          }),
        );
      }
      for (const runner of runners) await runner.waitForLog("tools registered with a server");

      const threadIds = await Promise.all(
        Array.from({ length: THREADS }, async (_, index) => {
          const { thread } = await server.threads.createThread({
            agent: "batch",
            prompt: `batch ${index + 1}`,
          });
          return thread?.threadId ?? "";
        }),
      );
      for (const threadId of threadIds) {
        const done = await waitForThread(server.streams, threadId, isIdle, 60_000);
        expect(done.status).toBe(ThreadStatus.COMPLETED);
      }

      for (const [index, threadId] of threadIds.entries()) {
        const batch = `batch ${index + 1}`;
        const messages = await listAllMessages(server.threads, threadId);
        expect(outline(messages)).toEqual([
          ["user", `text:${batch}`],
          [
            "assistant",
            ...Array.from({ length: CALLS_PER_THREAD }, () => "tool-record_call:output-available"),
            `text:recorded ${CALLS_PER_THREAD}`,
          ],
        ]);
        const outputs = messages[1]?.parts.flatMap((part) =>
          part.type === "tool-record_call" && "output" in part ? [part.output] : [],
        );
        expect(outputs).toEqual(
          Array.from({ length: CALLS_PER_THREAD }, (_, n) => ({ recorded: `${batch}/${n + 1}` })),
        );
      }

      // "<runner> <thread>:<call> <attempt>" per execution.
      const executions = readLines(toolLog).map((line) => {
        const [runner = "", call = "", attempt = ""] = line.split(" ");
        return { runner, call, attempt };
      });
      const total = THREADS * CALLS_PER_THREAD;
      expect(executions).toHaveLength(total);
      expect(new Set(executions.map((execution) => execution.call)).size).toBe(total);
      expect(executions.every((execution) => execution.attempt === "1")).toBe(true);
      const perRunner = Object.fromEntries(
        runners.map((runner) => [
          runner.name,
          executions.filter((execution) => execution.runner === runner.name).length,
        ]),
      );
      for (const runner of runners) {
        expect(
          perRunner[runner.name],
          `${runner.name} ran ${perRunner[runner.name]} of ${total}: ${JSON.stringify(perRunner)}`,
        ).toBeGreaterThanOrEqual(Math.ceil(total * 0.15));
      }
    });
  },
);
