import { defineTool } from "@durable-agents/tool-runner";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createTracing } from "../../observability/tracing.js";
import type { ToolOutcome, ToolProgress, ToolTask } from "../tool-transport.js";
import { createLocalTransport } from "./local-transport.js";

const echo = defineTool({
  name: "echo",
  description: "Answers with its text.",
  args: z.object({ text: z.string() }),
  handler: async ({ text }) => ({ text }),
});

const task: ToolTask = {
  threadId: "t1",
  toolCallId: "c1",
  toolName: "echo",
  args: { text: "hi" },
  kind: "sync",
  attempt: 1,
  maxAttempts: 1,
  deadlineAt: null,
  traceContext: undefined,
};

function createEchoTransport() {
  return createLocalTransport({
    tools: [echo],
    runnerId: "local:test",
    logger: pino({ level: "silent" }),
    now: Date.now,
    tracing: createTracing(),
  });
}

/** Runs one attempt and returns what the transport reported, in order. */
async function reportsOf(startRecorded: boolean | undefined): Promise<string[]> {
  const reports: string[] = [];
  let outcomeReported: () => void = () => {};
  const reported = new Promise<void>((resolve) => {
    outcomeReported = resolve;
  });
  const transport = createEchoTransport();
  await transport.start({
    async onProgress(progress: ToolProgress) {
      reports.push(`progress ${progress.state} by ${progress.runnerId}`);
    },
    async onOutcome(outcome: ToolOutcome) {
      reports.push(`outcome ${outcome.type}`);
      outcomeReported();
    },
  });
  await transport.dispatch(task, startRecorded === undefined ? undefined : { startRecorded });
  await reported;
  await transport.close();
  return reports;
}

describe("the local transport (X9)", () => {
  it("names its runner for every tool it runs", () => {
    expect(createEchoTransport().inProcessRunnerFor("echo")).toBe("local:test");
  });

  it("reports an attempt running before its outcome", async () => {
    expect(await reportsOf(undefined)).toEqual([
      "progress running by local:test",
      "outcome result",
    ]);
  });

  it("does not report the start again when the dispatch recorded it", async () => {
    expect(await reportsOf(true)).toEqual(["outcome result"]);
  });
});
