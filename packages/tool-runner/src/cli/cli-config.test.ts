import { describe, expect, it } from "vitest";
import { isUsageError, parseRunnerCliConfig } from "./cli-config.js";

describe("durable-agents-runner configuration (DESIGN §5)", () => {
  it("reads the flags", () => {
    expect(
      parseRunnerCliConfig(
        [
          "--nats",
          "nats://n:4222",
          "--module",
          "a.js",
          "--module",
          "b.js",
          "--demo",
          "--concurrency",
          "4",
          "--prefix",
          "acme",
          "--runner-id",
          "r1",
        ],
        {},
      ),
    ).toEqual({
      natsUrl: "nats://n:4222",
      modules: ["a.js", "b.js"],
      demo: true,
      concurrency: 4,
      prefix: "acme",
      runnerId: "r1",
    });
  });

  it("takes the NATS URL and prefix from the environment unless flags say otherwise", () => {
    const env = { DURABLE_AGENTS_NATS_URL: "nats://env:4222", DURABLE_AGENTS_NATS_PREFIX: "envp" };
    expect(parseRunnerCliConfig(["--demo"], env)).toEqual({
      natsUrl: "nats://env:4222",
      modules: [],
      demo: true,
      concurrency: undefined,
      prefix: "envp",
      runnerId: undefined,
    });
    expect(
      parseRunnerCliConfig(["--demo", "--nats", "nats://flag", "--prefix", "p"], env),
    ).toMatchObject({
      natsUrl: "nats://flag",
      prefix: "p",
    });
    expect(parseRunnerCliConfig(["--demo", "--nats", "nats://x"], {}).prefix).toBe(
      "durable_agents",
    );
  });

  it.each([
    [["--demo"], /--nats or DURABLE_AGENTS_NATS_URL is required/],
    [["--nats", "nats://x"], /nothing to serve/],
    [["--nats", "nats://x", "--demo", "--concurrency", "0"], /--concurrency must be at least 1/],
    [["--nats", "nats://x", "--demo", "--concurrency", "2.5"], /whole number/],
    [["--nats", "nats://x", "--demo", "--prefix", "a.b"], /--prefix must be/],
    [["--nats", "nats://x", "--demo", "--bogus"], /bogus/],
  ])("refuses %j", (argv, message) => {
    let caught: unknown;
    try {
      parseRunnerCliConfig(argv, {});
    } catch (error: unknown) {
      caught = error;
    }
    expect(isUsageError(caught)).toBe(true);
    expect(caught instanceof Error ? caught.message : "").toMatch(message);
  });
});
