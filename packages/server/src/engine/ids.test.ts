import { describe, expect, it } from "vitest";
import { createIdGenerator } from "./ids.js";

describe("createIdGenerator (UUIDv7)", () => {
  it("makes RFC 9562 version 7 UUIDs carrying the time", () => {
    const id = createIdGenerator(() => 0x0123456789ab)();
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("orders ids made in the same millisecond by creation (B24 newest first)", () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 5000 }, next);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps order when the clock steps back", () => {
    let time = 2_000;
    const next = createIdGenerator(() => time);
    const first = next();
    time = 1_000;
    const second = next();
    expect(second > first).toBe(true);
  });

  it("draws fresh random bits for every id, across refills of its random pool", () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    // 16 random bytes an id (18 at each new millisecond): several 4 KiB pools.
    const randomParts = Array.from({ length: 2000 }, () => next().slice(19));
    expect(new Set(randomParts).size).toBe(randomParts.length);
  });
});
