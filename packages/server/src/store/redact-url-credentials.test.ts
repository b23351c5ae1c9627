import { describe, expect, it } from "vitest";
import { redactUrlCredentials } from "./redact-url-credentials.js";

describe("redactUrlCredentials (X5)", () => {
  it.each([
    ["postgres://agents:hunter2@db:5432/agents", "postgres://…"],
    ["mysql://root:hunter2@db/agents?password=hunter2", "mysql://…"],
    ["postgres:/agents:hunter2@db:5432/agents", "…@db:5432/agents"],
    ["db:5432/agents?password=hunter2", "db:5432/agents?…"],
    ["sqlite:", "sqlite:"],
    ["./agents.db", "./agents.db"],
  ])("%j is shown as %j", (text, shown) => {
    expect(redactUrlCredentials(text)).toBe(shown);
  });
});
