// @vitest-environment happy-dom
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useSmoothText } from "./use-smooth-text.js";

describe("useSmoothText", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the text present at the first render at once", () => {
    const { result } = renderHook(() => useSmoothText("Hello there"));
    expect(result.current).toEqual(["Hello there", { cursor: 11, isStreaming: false }]);
  });

  it("reveals streamed text at the set pace, then reaches the whole text", () => {
    const hook = renderHook(({ text }) => useSmoothText(text, { charsPerSec: 100 }), {
      initialProps: { text: "" },
    });
    const text = "x".repeat(30);
    hook.rerender({ text });
    expect(hook.result.current[1]).toEqual({ cursor: 0, isStreaming: true });
    // 100 chars/s, but 30 chars behind with a 600 ms lag target: 50 chars/s is slower, so 100.
    act(() => {
      vi.advanceTimersByTime(99);
    });
    const afterAFifth = hook.result.current[1].cursor;
    expect(afterAFifth).toBeGreaterThanOrEqual(9);
    expect(afterAFifth).toBeLessThanOrEqual(10);
    expect(hook.result.current[0]).toBe(text.slice(0, afterAFifth));
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(hook.result.current).toEqual([text, { cursor: 30, isStreaming: false }]);
  });

  it("speeds up when text piles up: the backlog shrinks with a time constant of maxLagMs", () => {
    const hook = renderHook(({ text }) => useSmoothText(text, { charsPerSec: 10, maxLagMs: 500 }), {
      initialProps: { text: "" },
    });
    hook.rerender({ text: "y".repeat(1_000) });
    act(() => {
      vi.advanceTimersByTime(495);
    });
    // At 10 chars/s alone about 5 would show; catching up, about 1 − 1/e of the backlog does.
    const shown = hook.result.current[1].cursor;
    expect(shown).toBeGreaterThan(550);
    expect(shown).toBeLessThan(700);
    act(() => {
      vi.advanceTimersByTime(4_000);
    });
    expect(hook.result.current[1]).toEqual({ cursor: 1_000, isStreaming: false });
  });

  it("startStreaming reveals the initial text too", () => {
    const { result } = renderHook(() => useSmoothText("abc", { startStreaming: true }));
    expect(result.current[0]).toBe("");
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(result.current[0]).toBe("abc");
  });

  it("text that replaces the shown text keeps only their common prefix", () => {
    const hook = renderHook(({ text }) => useSmoothText(text), {
      initialProps: { text: "Hello world" },
    });
    hook.rerender({ text: "Help" });
    expect(hook.result.current[0]).toBe("Hel");
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(hook.result.current[0]).toBe("Help");
  });
});
