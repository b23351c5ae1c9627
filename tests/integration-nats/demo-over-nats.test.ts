// Issue #4 acceptance: with NATS configured the server runs no tool in-process; the demo agent's
// tools run in a separate `durable-agents-runner --demo` process and the conversations equal the
// embedded ones (DESIGN §8). While no runner is up a tool call waits, queued (X9), and completes
// once one starts.
import {
  ThreadStatus,
  ToolCallStatus,
  ToolExecutionState,
  ToolKind,
} from "@durable-agents/core/proto";
import type { UIMessage } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { hasStatus, isIdle, waitForThread } from "../support/wait.js";
import { recordWatch } from "../support/watch-recorder.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";
import { killAllRunners, startRunner } from "./support/runners.js";
import { toolCallStates } from "./support/watch.js";

const missing = await missingNats();
// Outside CI a machine without NATS skips, loudly; CI provides it, so there the suite fails.
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;
if (missing !== undefined) console.warn(`NATS acceptance tests: ${missing}`);

/** A conversation without what differs between two servers (message ids). */
function comparable(messages: readonly UIMessage[]) {
  return messages.map(({ role, parts }) => ({ role, parts }));
}

describe.skipIf(skip)(
  skip ? `demo agent over NATS — SKIPPED: ${missing}` : "demo agent over NATS (issue #4, §8)",
  { timeout: 60_000 },
  () => {
    let prefix: string;
    let embedded: TestServer;
    let scaled: TestServer;

    beforeEach(async () => {
      prefix = randomPrefix();
      embedded = await startTestServer();
      scaled = await startTestServer({ config: { nats: { url: sharedNatsUrl, prefix } } });
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      await killAllRunners();
      await scaled.close();
      await embedded.close();
      await deleteStreams(sharedNatsUrl, prefix);
    }, HOOK_TIMEOUT_MS);

    /**
     * Runs one demo conversation on a server to its end and returns the messages. For the
     * approval prompt a human approves once the async tool's callback was notified (B16).
     */
    async function converse(server: TestServer, prompt: string) {
      const { thread } = await server.threads.createThread({ agent: "demo", prompt });
      const threadId = thread?.threadId ?? "";
      if (prompt.includes("approve")) {
        const recording = await recordWatch(server.streams, threadId);
        try {
          const events = await recording.until(
            (seen) =>
              toolCallStates(seen).some(
                (call) => call.executionState === ToolExecutionState.AWAITING_RESULT,
              ),
            "the approval callback's delivery",
            20_000,
          );
          const call = toolCallStates(events).find(
            (state) => state.executionState === ToolExecutionState.AWAITING_RESULT,
          );
          await server.toolCalls.addToolResult({
            threadId,
            toolCallId: call?.toolCallId ?? "",
            result: { kind: { case: "stringValue", value: "approved" } },
          });
        } finally {
          await recording.stop();
        }
      }
      await waitForThread(server.streams, threadId, isIdle, 20_000);
      return { threadId, messages: await listAllMessages(server.threads, threadId) };
    }

    it("B6 B15 B16 runs get_weather and request_approval in a --demo runner process, with the embedded results", async () => {
      const runner = await startRunner({
        natsUrl: sharedNatsUrl,
        prefix,
        name: "demo-1",
        demo: true,
      });
      await runner.waitForLog("tools registered with a server");
      // RegisterTools over NATS reached the server: the runner is named on the tools.
      const { tools } = await scaled.toolCalls.listTools({});
      expect(
        tools.map((tool) => ({ name: tool.name, kind: tool.kind, runnerId: tool.runnerId })),
      ).toEqual([
        { name: "get_weather", kind: ToolKind.SYNC, runnerId: "demo-1" },
        { name: "request_approval", kind: ToolKind.ASYNC, runnerId: "demo-1" },
      ]);

      for (const prompt of ["hi", "weather in New York?", "please approve my trip"]) {
        const expected = await converse(embedded, prompt);
        const actual = await converse(scaled, prompt);
        expect(comparable(actual.messages)).toEqual(comparable(expected.messages));
        const { toolCalls } = await scaled.toolCalls.listToolCalls({ threadId: actual.threadId });
        // The runner process, not the server, executed the calls (X9 names it).
        for (const call of toolCalls) expect(call.runnerId).toBe("demo-1");
      }
      const weather = await converse(scaled, "weather in Oslo please");
      expect(outline(weather.messages)).toEqual([
        ["user", "text:weather in Oslo please"],
        [
          "assistant",
          "tool-get_weather:output-available",
          "text:The weather in Oslo is sunny, 22°C.",
        ],
      ]);
    });

    it("B15 with nats.localTools the server's own tools still run in-process", async () => {
      const localPrefix = randomPrefix();
      const local = await startTestServer({
        config: { nats: { url: sharedNatsUrl, prefix: localPrefix, localTools: true } },
      });
      try {
        // No runner is up: the demo's get_weather runs in this process.
        const { threadId, messages } = await converse(local, "weather in Rome");
        expect(outline(messages)).toEqual([
          ["user", "text:weather in Rome"],
          [
            "assistant",
            "tool-get_weather:output-available",
            "text:The weather in Rome is sunny, 22°C.",
          ],
        ]);
        const [call] = (await local.toolCalls.listToolCalls({ threadId })).toolCalls;
        expect(call?.runnerId.startsWith("local:")).toBe(true);
      } finally {
        await local.close();
        await deleteStreams(sharedNatsUrl, localPrefix);
      }
    });

    it("X9 a tool call waits queued while no runner is up and completes once one starts", async () => {
      const { thread } = await scaled.threads.createThread({
        agent: "demo",
        prompt: "weather in Paris",
      });
      const threadId = thread?.threadId ?? "";
      const recording = await recordWatch(scaled.streams, threadId);
      try {
        await recording.until(
          (events) =>
            toolCallStates(events).some(
              (call) => call.executionState === ToolExecutionState.QUEUED,
            ),
          "a queued tool call",
        );
        await waitForThread(
          scaled.streams,
          threadId,
          hasStatus(ThreadStatus.AWAITING_TOOL_RESULTS),
        );
        // Nothing in this process runs it: the call is still queued, with no runner.
        const [queued] = (await scaled.toolCalls.listToolCalls({ threadId })).toolCalls;
        expect(queued).toMatchObject({
          toolName: "get_weather",
          status: ToolCallStatus.PENDING,
          executionState: ToolExecutionState.QUEUED,
          runnerId: "",
        });

        const runner = await startRunner({
          natsUrl: sharedNatsUrl,
          prefix,
          name: "late-runner",
          demo: true,
        });
        await waitForThread(scaled.streams, threadId, isIdle, 20_000);
        const done = await recording.until(
          (events) =>
            toolCallStates(events).some((call) => call.status === ToolCallStatus.COMPLETED),
          "the completed tool call",
        );
        // X9: the watcher saw the call queued, then claimed/running by the runner, then done.
        const states = toolCallStates(done).map((call) => call.executionState);
        expect(states).toContain(ToolExecutionState.QUEUED);
        expect(states.at(-1)).toBe(ToolExecutionState.DONE);
        expect(
          toolCallStates(done).some(
            (call) =>
              call.runnerId === runner.name &&
              (call.executionState === ToolExecutionState.CLAIMED ||
                call.executionState === ToolExecutionState.RUNNING),
          ),
        ).toBe(true);
        const messages = await listAllMessages(scaled.threads, threadId);
        expect(outline(messages)).toEqual([
          ["user", "text:weather in Paris"],
          [
            "assistant",
            "tool-get_weather:output-available",
            "text:The weather in Paris is sunny, 22°C.",
          ],
        ]);
        expect(messages[1]?.parts.find((part) => part.type === "tool-get_weather")).toMatchObject({
          input: { location: "Paris" },
          output: { weather: "sunny", temperature: 22 },
        });
      } finally {
        await recording.stop();
      }
    });
  },
);
