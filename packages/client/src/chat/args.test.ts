import { describe, expect, it } from "vitest";
import { DEFAULT_AGENT, DEFAULT_URL, parseChatArgs } from "./args.js";

describe("parseChatArgs", () => {
  it("with no flags talks to the embedded server's default address and the demo agent", () => {
    expect(parseChatArgs([])).toEqual({
      type: "run",
      args: { baseUrl: DEFAULT_URL, token: undefined, agent: DEFAULT_AGENT, threadId: undefined },
    });
    expect(DEFAULT_URL).toBe("http://127.0.0.1:7700");
    expect(DEFAULT_AGENT).toBe("demo");
  });

  it("reads every flag; a URL without a scheme is http and loses its trailing slash", () => {
    expect(
      parseChatArgs(["--url", "10.0.0.1:9000/", "--token", "t", "--agent", "a", "--thread", "th"]),
    ).toEqual({
      type: "run",
      args: { baseUrl: "http://10.0.0.1:9000", token: "t", agent: "a", threadId: "th" },
    });
    expect(parseChatArgs(["--url", "https://agents.example.com"])).toMatchObject({
      args: { baseUrl: "https://agents.example.com" },
    });
  });

  it("takes the token from DURABLE_AGENTS_TOKEN unless --token is given", () => {
    expect(parseChatArgs([], { DURABLE_AGENTS_TOKEN: "env" })).toMatchObject({
      args: { token: "env" },
    });
    expect(parseChatArgs(["--token", "flag"], { DURABLE_AGENTS_TOKEN: "env" })).toMatchObject({
      args: { token: "flag" },
    });
  });

  it("answers --help, and refuses unknown flags, positionals and empty values", () => {
    expect(parseChatArgs(["--help"])).toEqual({ type: "help" });
    expect(parseChatArgs(["-h"])).toEqual({ type: "help" });
    expect(parseChatArgs(["--nope"])).toMatchObject({ type: "error" });
    expect(parseChatArgs(["hello"])).toMatchObject({ type: "error" });
    expect(parseChatArgs(["--agent", ""])).toEqual({
      type: "error",
      message: "--agent needs a value",
    });
  });
});
