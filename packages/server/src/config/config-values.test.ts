import { describe, expect, it } from "vitest";
import {
  parseListenAddress,
  parseNatsPrefix,
  parseNatsUrl,
  parseStoreLocation,
} from "./config-values.js";

describe("parseListenAddress", () => {
  it.each([
    ["127.0.0.1:7700", { host: "127.0.0.1", port: 7700 }],
    ["0.0.0.0:0", { host: "0.0.0.0", port: 0 }],
    ["localhost:65535", { host: "localhost", port: 65535 }],
    ["[::1]:7700", { host: "::1", port: 7700 }],
    [" example.internal:80 ", { host: "example.internal", port: 80 }],
  ])("%j → %j", (text, value) => {
    expect(parseListenAddress(text)).toEqual({ ok: true, value });
  });

  it.each(["7700", ":7700", "host:", "host:65536", "host:port", "::1:7700", "a b:1"])(
    "%j is refused",
    (text) => {
      expect(parseListenAddress(text)).toEqual({
        ok: false,
        message: `must be HOST:PORT with a port from 0 to 65535, got "${text}"`,
      });
    },
  );
});

describe("parseStoreLocation", () => {
  it.each([
    ["sqlite:./.durable-agents/agents.db", { type: "sqlite", path: "./.durable-agents/agents.db" }],
    ["sqlite:/var/lib/agents.db", { type: "sqlite", path: "/var/lib/agents.db" }],
    [
      "postgres://u:p@127.0.0.1:5432/agents",
      { type: "postgres", url: "postgres://u:p@127.0.0.1:5432/agents" },
    ],
    ["postgresql://127.0.0.1/agents", { type: "postgres", url: "postgresql://127.0.0.1/agents" }],
  ])("%j → %j", (text, value) => {
    expect(parseStoreLocation(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["sqlite:", "sqlite:"],
    ["./agents.db", "./agents.db"],
    ["mysql://root:secret@db/agents", "mysql://…"],
    ["postgres://", "postgres://…"],
  ])("%j is refused, without echoing credentials", (text, shown) => {
    expect(parseStoreLocation(text)).toEqual({
      ok: false,
      message: `must be "sqlite:PATH" or "postgres://…", got "${shown}"`,
    });
  });
});

describe("NATS values", () => {
  it.each([
    ["nats://127.0.0.1:4222", "nats://127.0.0.1:4222"],
    ["127.0.0.1:4222", "127.0.0.1:4222"],
    ["nats://a:4222, nats://b:4222", "nats://a:4222,nats://b:4222"],
    ["tls://user:secret@nats.example:4443", "tls://user:secret@nats.example:4443"],
  ])("URL %j → %j", (text, value) => {
    expect(parseNatsUrl(text)).toEqual({ ok: true, value });
  });

  it.each(["http://127.0.0.1:4222", "nats://", "nats://a:4222,,"])("URL %j is refused", (text) => {
    expect(parseNatsUrl(text)).toMatchObject({ ok: false });
  });

  it("does not echo the credentials of a refused URL", () => {
    expect(parseNatsUrl("http://user:secret@n:4222")).toEqual({
      ok: false,
      message: 'must be nats://HOST:PORT (comma-separated for several), got "http://…"',
    });
  });

  it("accepts a subject-safe prefix and refuses dots and wildcards", () => {
    expect(parseNatsPrefix("team-a_agents")).toEqual({ ok: true, value: "team-a_agents" });
    for (const prefix of ["a.b", "a*", "a>", "", "a b"]) {
      expect(parseNatsPrefix(prefix)).toEqual({
        ok: false,
        message: `must be letters, digits, "_" or "-" only, got "${prefix}"`,
      });
    }
  });
});
