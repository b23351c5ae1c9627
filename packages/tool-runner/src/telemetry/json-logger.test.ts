import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createJsonLogger, isLogLevel, REDACTED } from "./json-logger.js";

/** A logger writing into an array, one parsed JSON object per line. */
function capture(level?: Parameters<typeof createJsonLogger>[0]["level"]) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createJsonLogger({ name: "test", level, destination }), lines };
}

describe("createJsonLogger", () => {
  it("redacts secrets anywhere in a logged configuration and keeps the rest", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        config: {
          providers: { openai: { type: "openai", apiKey: "sk-live-123" } },
          auth: { apiKeys: [{ key: "k-1", principal: "alice" }], jwt: { secret: "hs256-secret" } },
          nats: { url: "nats://127.0.0.1:4222", password: "nats-pass", token: "nats-token" },
        },
        request: { headers: { authorization: "Bearer abc", "user-agent": "grpc" } },
        apiKey: "top-level",
        threadId: "t-1",
      },
      "configuration",
    );
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({
      name: "test",
      msg: "configuration",
      threadId: "t-1",
      apiKey: REDACTED,
      config: {
        providers: { openai: { type: "openai", apiKey: REDACTED } },
        auth: { apiKeys: REDACTED, jwt: { secret: REDACTED } },
        nats: { url: "nats://127.0.0.1:4222", password: REDACTED, token: REDACTED },
      },
      request: { headers: { authorization: REDACTED, "user-agent": "grpc" } },
    });
    const text = JSON.stringify(line);
    for (const secret of ["sk-live-123", "k-1", "hs256-secret", "nats-pass", "Bearer abc"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("writes one JSON line per event at the configured level", () => {
    const { logger, lines } = capture("warn");
    logger.info("not written");
    logger.warn({ streamId: "s-1" }, "written");
    logger.error(new Error("boom"), "failed");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, "written"],
      [50, "failed"],
    ]);
  });

  it("knows pino's level names", () => {
    expect(["info", "debug", "silent"].every(isLogLevel)).toBe(true);
    expect(isLogLevel("verbose")).toBe(false);
  });
});
