import { describe, expect, it } from "vitest";
import { isLoopbackAddress, isLoopbackHost } from "./loopback.js";

describe("loopback addresses", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.1", false],
    ["128.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["fe80::1", false],
    ["localhost", false],
  ])("isLoopbackAddress(%j) is %j", (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it("resolves names: loopback only when every address is", async () => {
    const table: Record<string, string[]> = {
      localhost: ["127.0.0.1", "::1"],
      mixed: ["127.0.0.1", "192.168.0.2"],
      empty: [],
    };
    const resolve = async (host: string) => {
      const addresses = table[host];
      if (addresses === undefined) throw new Error("ENOTFOUND");
      return addresses.map((address) => ({ address }));
    };
    expect(await isLoopbackHost("localhost", resolve)).toBe(true);
    expect(await isLoopbackHost("mixed", resolve)).toBe(false);
    expect(await isLoopbackHost("empty", resolve)).toBe(false);
    expect(await isLoopbackHost("nowhere", resolve)).toBe(false);
    expect(await isLoopbackHost("", resolve)).toBe(false);
    expect(await isLoopbackHost("127.0.0.1")).toBe(true);
    // The real resolver: localhost is loopback on every sane machine.
    expect(await isLoopbackHost("localhost")).toBe(true);
  });
});
