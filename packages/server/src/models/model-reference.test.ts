import { describe, expect, it } from "vitest";
import { createDemoModel } from "./demo/demo-model.js";
import { isInvalidModelReferenceError } from "./model-errors.js";
import { isLanguageModelV3, parseModelReference } from "./model-reference.js";

describe("parseModelReference (DESIGN §5)", () => {
  it.each([
    ["demo:echo", { provider: "demo", modelId: "echo" }],
    ["local:my-model", { provider: "local", modelId: "my-model" }],
    ["local:llama3:8b", { provider: "local", modelId: "llama3:8b" }],
  ])("%j → %j", (reference, parsed) => {
    expect(parseModelReference(reference)).toEqual(parsed);
  });

  it.each(["gpt-4o", ":echo", "demo:", " :x"])("%j is refused with a typed error", (reference) => {
    let caught: unknown;
    try {
      parseModelReference(reference);
    } catch (error: unknown) {
      caught = error;
    }
    expect(isInvalidModelReferenceError(caught)).toBe(true);
    expect(caught).toMatchObject({
      name: "InvalidModelReferenceError",
      message: `Model "${reference}" must be written "<provider>:<model id>", e.g. "demo:echo"`,
    });
  });
});

describe("isLanguageModelV3", () => {
  it("accepts a v3 model and refuses anything else", () => {
    expect(isLanguageModelV3(createDemoModel())).toBe(true);
    expect(isLanguageModelV3({ ...createDemoModel(), specificationVersion: "v2" })).toBe(false);
    expect(isLanguageModelV3({ specificationVersion: "v3" })).toBe(false);
    expect(isLanguageModelV3("demo:echo")).toBe(false);
    expect(isLanguageModelV3(null)).toBe(false);
  });
});
