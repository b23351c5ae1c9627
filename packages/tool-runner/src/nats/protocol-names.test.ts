import { describe, expect, it } from "vitest";
import { protocolNames } from "./protocol-names.js";

describe("protocol names (runner.proto)", () => {
  it("derives every subject, stream and consumer from the prefix", () => {
    const names = protocolNames("acme");
    expect({
      toolsStream: names.toolsStream,
      toolsStreamSubjects: names.toolsStreamSubjects,
      outcomesStream: names.outcomesStream,
      outcomeSubject: names.outcomeSubject,
      progressSubject: names.progressSubject,
      registerSubject: names.registerSubject,
      exec: names.execSubject("get_weather"),
      consumer: names.consumerName("get_weather"),
      cancel: names.cancelSubject("get_weather"),
    }).toEqual({
      toolsStream: "ACME_TOOLS",
      toolsStreamSubjects: "acme.tools.exec.>",
      outcomesStream: "ACME_OUTCOMES",
      outcomeSubject: "acme.tools.outcome",
      progressSubject: "acme.tools.progress",
      registerSubject: "acme.tools.register",
      exec: "acme.tools.exec.get_weather",
      consumer: "tool_get_weather",
      cancel: "acme.tools.cancel.get_weather",
    });
  });

  it("defaults to durable_agents", () => {
    expect(protocolNames().toolsStream).toBe("DURABLE_AGENTS_TOOLS");
  });

  it.each(["", "a.b", "a b", "a*", ">"])("refuses the prefix %j", (prefix) => {
    expect(() => protocolNames(prefix)).toThrowError(RangeError);
  });
});
