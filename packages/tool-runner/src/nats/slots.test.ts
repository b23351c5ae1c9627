import { describe, expect, it } from "vitest";
import { createSlots } from "./slots.js";

describe("execution slots", () => {
  it("hands out free slots up to the asked number", async () => {
    const slots = createSlots(3);
    const signal = new AbortController().signal;
    expect(await slots.reserve(2, signal)).toBe(2);
    expect(await slots.reserve(5, signal)).toBe(1);
  });

  it("serves waiters first come, first served as slots come back", async () => {
    const slots = createSlots(1);
    const signal = new AbortController().signal;
    await slots.reserve(1, signal);
    const order: string[] = [];
    const first = slots.reserve(4, signal).then((count) => order.push(`first:${count}`));
    const second = slots.reserve(4, signal).then((count) => order.push(`second:${count}`));
    slots.release(1);
    await first;
    slots.release(1);
    await second;
    expect(order).toEqual(["first:1", "second:1"]);
  });

  it("resolves 0 for a waiter whose signal aborts, and skips it later", async () => {
    const slots = createSlots(1);
    await slots.reserve(1, new AbortController().signal);
    const stop = new AbortController();
    const stopped = slots.reserve(1, stop.signal);
    stop.abort();
    expect(await stopped).toBe(0);
    slots.release(1);
    expect(await slots.reserve(1, new AbortController().signal)).toBe(1);
  });
});
