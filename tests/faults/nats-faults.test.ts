// Fault cases of the NATS deployment (issues #4 and #7, DESIGN §9): a runner SIGKILLed
// mid-handler, the server killed between the commit of a dispatch and its publish, NATS restarted
// mid-conversation, and NATS down when a tool call is dispatched. Each asserts the exact final
// conversation: nothing lost, nothing duplicated.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreadStatus, ToolCallStatus } from "@durable-agents/core/proto";
import { AckPolicy, DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deleteStreams,
  missingNats,
  type PrivateNats,
  randomPrefix,
  sharedNatsUrl,
  startPrivateNats,
} from "../integration-nats/support/nats.js";
import {
  killAllRunners,
  type RunnerProcess,
  startRunner,
} from "../integration-nats/support/runners.js";
import { listAllMessages, outline } from "../support/conversation.js";
import {
  createScriptedModel,
  type ModelCallOptions,
  type ScriptedReply,
  textReply,
  toolCallReply,
  toolResultsSeen,
} from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { killAllChildServers, startChildServer } from "./support/child-server.js";
import { faultCase } from "./support/fault-case.js";
import { readLines, waitForLines } from "./support/file-lines.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;

/** Turn 1 calls slow_step, turn 2 record_call, turn 3 answers with what it saw. */
function twoStepReply(index: number, call: ModelCallOptions): ScriptedReply {
  if (index === 0) return toolCallReply("call_slow", "slow_step", { label: "first" });
  if (index === 1) return toolCallReply("call_record", "record_call", { label: "second" });
  return textReply(`seen: ${toolResultsSeen(call).join(" | ")}`);
}

/** How many messages the stream ever stored (work queues delete acked ones). */
async function storedEver(natsUrl: string, stream: string): Promise<number> {
  const nc = await connect({ servers: natsUrl, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).state.last_seq;
  } finally {
    await nc.close();
  }
}

/** The fault cases of this file, as `pnpm test:faults` lists them. */
const CASES = {
  runnerKilled: faultCase(
    23,
    "nats",
    "runner SIGKILL mid-handler",
    "B15 X9 the task is redelivered to another runner and the call completes once",
  ),
  killedBetweenCommitAndPublish: faultCase(
    24,
    "nats",
    "server SIGKILL between committing a dispatch and publishing it",
    "B20 \u00a74 the task is published once after the restart",
  ),
  natsRestarted: faultCase(
    25,
    "nats",
    "nats-server restarted mid-conversation",
    "B20 server and runner reconnect and the conversation completes",
  ),
  natsDownAtDispatch: faultCase(
    26,
    "nats",
    "NATS down when a tool call is dispatched, then back",
    "B6 B20 §4 the dispatch is retried until NATS is back; the call runs once",
  ),
};

describe.skipIf(skip)(
  skip ? `NATS fault cases — SKIPPED: ${missing}` : "NATS fault cases (issues #4, #7, DESIGN §9)",
  { timeout: 120_000 },
  () => {
    let dataDir: string;
    let toolLog: string;
    let gate: string;
    let prefix: string;
    let privateNats: PrivateNats | undefined;
    let server: TestServer | undefined;

    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-faults-"));
      toolLog = join(dataDir, "executions.log");
      gate = join(dataDir, "gate");
      prefix = randomPrefix();
      privateNats = undefined;
      server = undefined;
    });
    afterEach(async () => {
      await killAllRunners();
      await killAllChildServers();
      await server?.close();
      if (privateNats === undefined) await deleteStreams(sharedNatsUrl, prefix);
      else await privateNats.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }, HOOK_TIMEOUT_MS);

    const toolEnv = () => ({ NATS_TEST_TOOL_LOG: toolLog, NATS_TEST_GATE: gate });

    it(CASES.runnerKilled, async () => {
      const scripted = createScriptedModel((index, call) =>
        index === 0
          ? toolCallReply("call_slow", "slow_step", { label: "survivor" })
          : textReply(`seen: ${toolResultsSeen(call).join(" | ")}`),
      );
      const test = await startTestServer({
        config: { nats: { url: sharedNatsUrl, prefix } },
        agents: [{ name: "faulty", model: scripted.model, tools: ["slow_step"] }],
      });
      server = test;
      // As an operator would: a short ack wait, so JetStream redelivers a dead runner's task
      // after 3 s instead of the default 30 s. Runners keep an existing consumer's settings.
      const nc = await connect({ servers: sharedNatsUrl });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.consumers.add(`${prefix.toUpperCase()}_TOOLS`, {
          durable_name: "tool_slow_step",
          filter_subject: `${prefix}.tools.exec.slow_step`,
          ack_policy: AckPolicy.Explicit,
          ack_wait: nanos(3_000),
          deliver_policy: DeliverPolicy.All,
          max_deliver: -1,
        });
      } finally {
        await nc.close();
      }
      const runners = new Map<string, RunnerProcess>();
      for (const name of ["runner-a", "runner-b"]) {
        const runner = await startRunner({
          natsUrl: sharedNatsUrl,
          prefix,
          name,
          testTools: true,
          env: toolEnv(),
        });
        await runner.waitForLog("tools registered with a server");
        runners.set(name, runner);
      }

      const { thread } = await test.threads.createThread({ agent: "faulty", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      const [started = ""] = await waitForLines(toolLog, (lines) => lines.length >= 1);
      const victimName = started.split(" ")[1] ?? "";
      const survivorName = victimName === "runner-a" ? "runner-b" : "runner-a";
      await runners.get(victimName)?.kill("SIGKILL");
      // The next execution may finish: the gate opens.
      writeFileSync(gate, "open");

      const done = await waitForThread(test.streams, threadId, isIdle, 30_000);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      expect(readLines(toolLog)).toEqual([
        `start ${victimName} ${threadId}:call_slow 1`,
        `start ${survivorName} ${threadId}:call_slow 1`,
        `done ${survivorName} ${threadId}:call_slow 1`,
      ]);
      const { toolCall } = await test.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_slow",
      });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.COMPLETED,
        runnerId: survivorName,
        attempt: 1,
      });
      expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
        ["user", "text:go"],
        [
          "assistant",
          "tool-slow_step:output-available",
          `text:seen: call_slow: ${JSON.stringify({ type: "json", value: { done: "survivor" } })}`,
        ],
      ]);
    });

    it(CASES.killedBetweenCommitAndPublish, async () => {
      // NATS is down when the turn commits the tool call and its dispatch job, so the publish
      // cannot leave the process (not even into a socket buffer); the server is then SIGKILLed.
      // Only the committed job (the outbox) can bring the task to a runner.
      const nats = await startPrivateNats();
      privateNats = nats;
      const store = `sqlite:${join(dataDir, "agents.db")}`;
      const config = { nats: { url: nats.url, prefix } };
      const first = await startChildServer({ store, config });
      await nats.stop();
      const { thread } = await first.threads.createThread({
        agent: "demo",
        prompt: "weather in Paris",
      });
      const threadId = thread?.threadId ?? "";
      await waitForThread(first.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
      const [pending] = (await first.toolCalls.listToolCalls({ threadId })).toolCalls;
      expect(pending).toMatchObject({ toolName: "get_weather", status: ToolCallStatus.PENDING });
      await first.kill();

      await nats.start();
      // Nothing was ever published: the stream the first server created at start-up is empty.
      expect(await storedEver(nats.url, `${prefix.toUpperCase()}_TOOLS`)).toBe(0);
      const runner = await startRunner({
        natsUrl: nats.url,
        prefix,
        name: "demo-runner",
        demo: true,
      });
      const second = await startChildServer({ store, config });
      // A dispatch job the dead process still held a lease on runs once the lease expires (30 s).
      const done = await waitForThread(second.streams, threadId, isIdle, 60_000);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      const messages = await listAllMessages(second.threads, threadId);
      expect(outline(messages)).toEqual([
        ["user", "text:weather in Paris"],
        [
          "assistant",
          "tool-get_weather:output-available",
          "text:The weather in Paris is sunny, 22°C.",
        ],
      ]);
      const { toolCall } = await second.toolCalls.getToolCall({
        threadId,
        toolCallId: pending?.toolCallId ?? "",
      });
      expect(toolCall).toMatchObject({ runnerId: runner.name, attempt: 1 });
      // Published once, by the restarted server.
      expect(await storedEver(nats.url, `${prefix.toUpperCase()}_TOOLS`)).toBe(1);
    });

    it(CASES.natsRestarted, async () => {
      const nats = await startPrivateNats();
      privateNats = nats;
      const scripted = createScriptedModel(twoStepReply);
      const test = await startTestServer({
        config: { nats: { url: nats.url, prefix } },
        agents: [{ name: "steps", model: scripted.model, tools: ["slow_step", "record_call"] }],
      });
      server = test;
      const runner = await startRunner({
        natsUrl: nats.url,
        prefix,
        name: "runner-a",
        testTools: true,
        env: toolEnv(),
      });
      await runner.waitForLog("tools registered with a server");

      const { thread } = await test.threads.createThread({ agent: "steps", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      await waitForLines(toolLog, (lines) => lines.some((line) => line.startsWith("start ")));
      // NATS goes away while the handler runs, and the handler finishes while it is away: its
      // outcome can only reach the server after both reconnect.
      await nats.stop();
      writeFileSync(gate, "open");
      await waitForLines(toolLog, (lines) => lines.some((line) => line.startsWith("done ")));
      await nats.start();

      const done = await waitForThread(test.streams, threadId, isIdle, 60_000);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
        ["user", "text:go"],
        [
          "assistant",
          "tool-slow_step:output-available",
          "tool-record_call:output-available",
          `text:seen: ${[
            `call_slow: ${JSON.stringify({ type: "json", value: { done: "first" } })}`,
            `call_record: ${JSON.stringify({ type: "json", value: { recorded: "second" } })}`,
          ].join(" | ")}`,
        ],
      ]);
      // The second call was dispatched and run after the restart, once.
      expect(readLines(toolLog).filter((line) => line.includes(`${threadId}:call_record`))).toEqual(
        [`runner-a ${threadId}:call_record 1`],
      );
    });
    it(CASES.natsDownAtDispatch, async () => {
      const nats = await startPrivateNats();
      privateNats = nats;
      const scripted = createScriptedModel((index, call) =>
        index === 0
          ? toolCallReply("call_record", "record_call", { label: "offline" })
          : textReply(`seen: ${toolResultsSeen(call).join(" | ")}`),
      );
      const test = await startTestServer({
        config: { nats: { url: nats.url, prefix } },
        agents: [{ name: "recorder", model: scripted.model, tools: ["record_call"] }],
      });
      server = test;
      const runner = await startRunner({
        natsUrl: nats.url,
        prefix,
        name: "runner-a",
        testTools: true,
        env: toolEnv(),
      });
      await runner.waitForLog("tools registered with a server");

      // The turn records the call and commits its dispatch job while NATS is away: the job's
      // publish fails, and the job runs again (DESIGN §4: the outbox keeps it) until NATS is back.
      await nats.stop();
      const { thread } = await test.threads.createThread({ agent: "recorder", prompt: "go" });
      const threadId = thread?.threadId ?? "";
      await waitForThread(test.streams, threadId, hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS));
      const { toolCall: waiting } = await test.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_record",
      });
      expect(waiting?.status).toBe(ToolCallStatus.PENDING);
      expect(readLines(toolLog)).toEqual([]);
      await nats.start();

      const done = await waitForThread(test.streams, threadId, isIdle, 60_000);
      expect(done.status).toBe(ThreadStatus.COMPLETED);
      expect(outline(await listAllMessages(test.threads, threadId))).toEqual([
        ["user", "text:go"],
        [
          "assistant",
          "tool-record_call:output-available",
          `text:seen: call_record: ${JSON.stringify({ type: "json", value: { recorded: "offline" } })}`,
        ],
      ]);
      expect(readLines(toolLog)).toEqual([`runner-a ${threadId}:call_record 1`]);
      const { toolCall } = await test.toolCalls.getToolCall({
        threadId,
        toolCallId: "call_record",
      });
      expect(toolCall).toMatchObject({
        status: ToolCallStatus.COMPLETED,
        runnerId: "runner-a",
        attempt: 1,
      });
      // However often the dispatch was tried, the task was stored once.
      expect(await storedEver(nats.url, `${prefix.toUpperCase()}_TOOLS`)).toBe(1);
    });
  },
);
