import { describe, expect, it } from "vitest";
import { errorTextOf, UNKNOWN_ERROR_TEXT } from "./error-text.js";

describe("errorTextOf", () => {
  it.each([
    ["an Error", new Error("boom"), "boom"],
    ["a thrown string", "plain text", "plain text"],
    ["an object with a message", { message: "from object" }, "from object"],
    ["an Error without a message", new TypeError(""), "TypeError"],
    ["a number", 404, "404"],
    ["a boolean", false, "false"],
    ["an empty string", "", UNKNOWN_ERROR_TEXT],
    ["null", null, UNKNOWN_ERROR_TEXT],
    ["undefined", undefined, UNKNOWN_ERROR_TEXT],
    ["an object without message or name", { code: 1 }, UNKNOWN_ERROR_TEXT],
  ])("describes %s", (_label, error, text) => {
    expect(errorTextOf(error)).toBe(text);
  });

  it("does not throw on a message getter that throws", () => {
    const error = {
      get message(): string {
        throw new Error("no");
      },
    };
    expect(errorTextOf(error)).toBe(UNKNOWN_ERROR_TEXT);
  });
});
