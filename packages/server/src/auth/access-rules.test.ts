import { describe, expect, it } from "vitest";
import { checkRoles, requiredRoles } from "./access-rules.js";
import { ANONYMOUS_CALLER, type CallerIdentity } from "./caller-identity.js";
import { isPermissionDeniedError } from "./errors.js";

const principal = (...roles: string[]): CallerIdentity => ({
  kind: "principal",
  principal: "p",
  roles: new Set(roles),
});

describe("access rules (X5)", () => {
  it.each([
    ["durable_agents.v1.AdminService", "RecoverThreads", ["admin"]],
    ["durable_agents.v1.AdminService", "ListStuck", ["admin"]],
    ["durable_agents.v1.ToolCallService", "RegisterTools", ["runner", "admin"]],
    ["durable_agents.v1.ToolCallService", "ListTools", []],
    ["durable_agents.v1.ThreadService", "CreateThread", []],
    ["durable_agents.v1.AgentService", "ListAgents", []],
  ])("%s/%s needs %j", (service, method, roles) => {
    expect(requiredRoles(service, method)).toEqual(roles);
  });

  it("lets a caller with one of the roles through and refuses one without", () => {
    const admin = "durable_agents.v1.AdminService";
    expect(() => checkRoles(principal("admin"), admin, "RecoverThreads")).not.toThrow();
    expect(() => checkRoles(principal("runner"), admin, "RecoverThreads")).toThrow(
      'durable_agents.v1.AdminService/RecoverThreads needs the role "admin"',
    );
    const tools = "durable_agents.v1.ToolCallService";
    expect(() => checkRoles(principal("runner"), tools, "RegisterTools")).not.toThrow();
    let refusal: unknown;
    try {
      checkRoles(principal(), tools, "RegisterTools");
    } catch (error: unknown) {
      refusal = error;
    }
    expect(isPermissionDeniedError(refusal)).toBe(true);
    expect(refusal).toMatchObject({
      message: 'durable_agents.v1.ToolCallService/RegisterTools needs the role "runner" or "admin"',
      requiredRoles: ["runner", "admin"],
    });
  });

  it("lets the anonymous caller do everything: authentication is off", () => {
    expect(() =>
      checkRoles(ANONYMOUS_CALLER, "durable_agents.v1.AdminService", "RecoverThreads"),
    ).not.toThrow();
  });
});
