import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  RegisterToolsRequestSchema,
  ToolKind,
  ToolOutcomeSchema,
  ToolTaskSchema,
} from "@durable-agents/core/proto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool, type JsonValue } from "../define-tool.js";
import { decodeTask, encodeOutcome, encodeRegisterRequest } from "./wire.js";

const identity = { threadId: "t", toolCallId: "c", attempt: 2, runnerId: "r" };

describe("runner wire messages (runner.proto)", () => {
  it("decodes a ToolTask into an execution request and its deadline", () => {
    const task = create(ToolTaskSchema, {
      threadId: "t",
      toolCallId: "c",
      toolName: "approve",
      kind: ToolKind.ASYNC,
      attempt: 1,
      maxAttempts: 3,
      deadline: timestampFromMs(1_700_000_000_000),
    });
    expect(decodeTask(toBinary(ToolTaskSchema, task))).toEqual({
      request: {
        threadId: "t",
        toolCallId: "c",
        toolName: "approve",
        args: undefined,
        kind: "async",
        attempt: 1,
        maxAttempts: 3,
      },
      deadlineMs: 1_700_000_000_000,
    });
  });

  it("refuses bytes that are no ToolTask", () => {
    expect(() => decodeTask(new Uint8Array([0xff, 0xff, 0xff]))).toThrowError();
  });

  it("fails an attempt whose result is no JSON, not retryable", () => {
    // Typed handlers return JSON, but a plain JavaScript module may return anything.
    const notJson = JSON.parse("{}") as JsonValue & Record<string, unknown>;
    notJson.big = 1n;
    const outcome = fromBinary(
      ToolOutcomeSchema,
      encodeOutcome(identity, { type: "result", value: notJson }, 12.4),
    );
    expect(outcome.outcome.case).toBe("error");
    expect(outcome.outcome.case === "error" ? outcome.outcome.value : undefined).toMatchObject({
      message: expect.stringMatching(/^The tool returned a result that is not JSON/),
      retryableHint: false,
    });
    expect(outcome.duration === undefined ? undefined : durationMs(outcome.duration)).toBe(12);
  });

  it("sends JSON null for a null result", () => {
    const outcome = fromBinary(
      ToolOutcomeSchema,
      encodeOutcome(identity, { type: "result", value: null }, 0),
    );
    expect(outcome.outcome.case === "result" ? outcome.outcome.value.kind.case : "").toBe(
      "nullValue",
    );
  });

  it("announces a tool's kind, schema, retry policy and timeout (RegisterTools)", () => {
    const tool = defineTool({
      name: "fixed",
      description: "Retries every 2 s",
      args: z.object({ n: z.number() }),
      retry: { enabled: true, backoff: { strategy: "fixed", delayMs: 2_000, jitter: "none" } },
      timeoutMs: 5_000,
      handler: async () => null,
    });
    const request = fromBinary(RegisterToolsRequestSchema, encodeRegisterRequest("r", [tool]));
    const [announced] = request.tools;
    expect(request.runnerId).toBe("r");
    expect({
      kind: announced?.kind,
      inputSchema: announced?.inputSchema,
      enabled: announced?.retry?.enabled,
      maxAttempts: announced?.retry?.maxAttempts,
      multiplier: announced?.retry?.backoff?.multiplier,
      initialDelayMs:
        announced?.retry?.backoff?.initialDelay === undefined
          ? undefined
          : durationMs(announced.retry.backoff.initialDelay),
      jitter: announced?.retry?.backoff?.jitter,
      timeoutMs: announced?.timeout === undefined ? undefined : durationMs(announced.timeout),
    }).toEqual({
      kind: ToolKind.SYNC,
      inputSchema: tool.inputSchema,
      enabled: true,
      // 0: the server applies its default (3).
      maxAttempts: 0,
      multiplier: 1,
      initialDelayMs: 2_000,
      jitter: false,
      timeoutMs: 5_000,
    });
  });
});
