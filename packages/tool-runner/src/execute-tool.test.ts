import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { describeFailure, executeTool, type ToolExecutionRequest } from "./execute-tool.js";

const request = (overrides: Partial<ToolExecutionRequest> = {}): ToolExecutionRequest => ({
  threadId: "thread-1",
  toolCallId: "call-1",
  toolName: "echo",
  args: { text: "hi" },
  kind: "sync",
  attempt: 2,
  maxAttempts: 3,
  ...overrides,
});

const echo = defineTool({
  name: "echo",
  description: "Echoes",
  args: z.object({ text: z.string() }),
  handler: async ({ text }, context) => ({
    text,
    attempt: context.attempt,
    maxAttempts: context.maxAttempts,
    idempotencyKey: context.idempotencyKey,
    aborted: context.signal.aborted,
  }),
});

class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

describe("executeTool (shared by the local transport and NATS runners)", () => {
  it("runs the handler with the call's context (B15)", async () => {
    const signal = new AbortController().signal;
    expect(await executeTool(echo, request(), signal)).toEqual({
      type: "result",
      value: {
        text: "hi",
        attempt: 2,
        maxAttempts: 3,
        idempotencyKey: "thread-1:call-1",
        aborted: false,
      },
    });
  });

  it("turns an undefined result into JSON null", async () => {
    const silent = defineTool({
      name: "silent",
      description: "",
      args: z.object({}),
      handler: async () => undefined,
    });
    const result = await executeTool(silent, request({ args: {} }), new AbortController().signal);
    expect(result).toEqual({ type: "result", value: null });
  });

  it("reports an async tool's callback as delivered (B16)", async () => {
    const result = await executeTool(
      echo,
      request({ kind: "async" }),
      new AbortController().signal,
    );
    expect(result).toEqual({ type: "delivered" });
  });

  it("answers invalid arguments without calling the handler, not retryable (B15)", async () => {
    const result = await executeTool(
      echo,
      request({ args: { text: 1 } }),
      new AbortController().signal,
    );
    expect(result).toMatchObject({
      type: "failed",
      failure: { invalidArgs: true, retryableHint: false },
    });
    expect(result.type === "failed" ? result.failure.message : "").toMatch(
      /^Invalid arguments for tool echo:/,
    );
  });

  it("answers a tool nobody serves, not retryable", async () => {
    const result = await executeTool(undefined, request(), new AbortController().signal);
    expect(result).toEqual({
      type: "failed",
      failure: { message: 'No runner serves tool "echo"', retryableHint: false },
    });
  });

  it.each([
    ["no shouldRetry: the server's classifier decides (B23)", undefined, {}],
    ["shouldRetry false", () => false, { retryableHint: false }],
    [
      "shouldRetry with a delay",
      () => ({ retryable: true, delayMs: 250 }),
      { retryableHint: true, retryDelayMs: 250 },
    ],
    [
      "a throwing shouldRetry: the classifier decides",
      () => {
        throw new Error("broken judge");
      },
      {},
    ],
  ])("describes a failure, %s", async (_case, shouldRetry, verdict) => {
    const failing = defineTool({
      name: "failing",
      description: "",
      args: z.object({}),
      handler: async () => {
        throw new HttpError("Service Unavailable", 503);
      },
      ...(shouldRetry === undefined ? {} : { shouldRetry }),
    });
    const result = await executeTool(failing, request({ args: {} }), new AbortController().signal);
    expect(result).toEqual({
      type: "failed",
      failure: { message: "Service Unavailable", name: "HttpError", status: 503, ...verdict },
    });
  });

  it("describes thrown non-errors by their text", () => {
    expect(describeFailure("plain text")).toEqual({ message: "plain text" });
    expect(describeFailure({ code: "ECONNRESET", message: "reset" })).toEqual({
      message: "reset",
      code: "ECONNRESET",
    });
  });
});
