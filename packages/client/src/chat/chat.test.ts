import { describe, expect, it } from "vitest";
import { parseToolAnswer, questionFor } from "./chat.js";
import type { ChatToolCall } from "./chat-view.js";

const call = (toolName: string): ChatToolCall => ({
  toolCallId: "c1",
  toolName,
  isAsync: true,
  isPending: true,
  input: undefined,
  outcome: undefined,
  retry: undefined,
});

describe("answers to async tools", () => {
  it("asks approval tools yes or no", () => {
    expect(questionFor(call("request_approval"))).toBe("approve? [y/n] ");
    expect(questionFor(call("lookup"))).toBe("lookup result (JSON, or !reason to fail it): ");
  });

  it.each([
    ["y", { ok: true, result: { approved: true } }],
    ["YES", { ok: true, result: { approved: true } }],
    [" n ", { ok: false, error: "denied" }],
    ["no", { ok: false, error: "denied" }],
    ["maybe", undefined],
    ["", undefined],
  ])("an approval answered %j gives %j", (text, expected) => {
    expect(parseToolAnswer("request_approval", text)).toEqual(expected);
  });

  it.each([
    ['{"rows":3}', { ok: true, result: { rows: 3 } }],
    ["42", { ok: true, result: 42 }],
    ["plain words", { ok: true, result: "plain words" }],
    ["!not today", { ok: false, error: "not today" }],
    ["!", { ok: false, error: "declined" }],
    ["  ", undefined],
  ])("another async tool answered %j gives %j", (text, expected) => {
    expect(parseToolAnswer("lookup", text)).toEqual(expected);
  });
});
