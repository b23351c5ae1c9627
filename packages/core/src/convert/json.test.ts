import { describe, expect, test } from "vitest";
import { isConversionError } from "./conversion-error.js";
import {
  extraFieldsOf,
  jsonToProtoValue,
  omitUndefined,
  protoValueToJson,
  toJsonObject,
  toJsonValue,
} from "./json.js";

/** sparseArray is `[1, <hole>, 3]`, built without a literal hole. */
function sparseArray(): number[] {
  const sparse: number[] = [];
  sparse[0] = 1;
  sparse[2] = 3;
  return sparse;
}

describe("toJsonValue matches JSON.stringify", () => {
  const samples: Array<[string, unknown]> = [
    ["nested plain JSON", { a: [1, "two", true, null, { b: { c: [] } }], d: "é🙂\n" }],
    ["undefined keys", { kept: 1, dropped: undefined }],
    ["undefined, function and symbol array items", [undefined, () => 1, Symbol("s"), 2]],
    ["array holes", sparseArray()],
    ["non-finite numbers", { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: -Infinity }],
    ["negative zero", { zero: -0, list: [-0] }],
    ["dates", { at: new Date("2025-01-02T03:04:05.678Z") }],
    ["objects with toJSON", { custom: { toJSON: () => ({ replaced: true }) } }],
    [
      "shared (not circular) references",
      (() => {
        const shared = { x: 1 };
        return { a: shared, b: [shared, shared] };
      })(),
    ],
    ["large and tiny numbers", [1e21, 5e-324, Number.MAX_SAFE_INTEGER, -1.5]],
  ];

  test.each(samples)("%s", (_name, value) => {
    expect(toJsonValue(value)).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  test("values JSON drops entirely give undefined", () => {
    expect(toJsonValue(undefined)).toBeUndefined();
    expect(toJsonValue(() => 1)).toBeUndefined();
    expect(toJsonValue(Symbol("s"))).toBeUndefined();
  });

  test("a bigint is a ConversionError, where JSON.stringify throws too", () => {
    expect(() => toJsonValue({ n: 1n })).toThrow(/bigint/);
  });

  test("a circular structure is a ConversionError", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    let thrown: unknown;
    try {
      toJsonValue(loop);
    } catch (error) {
      thrown = error;
    }
    expect(isConversionError(thrown)).toBe(true);
  });

  test("a __proto__ key stays an own key and never becomes the prototype", () => {
    const input: unknown = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const json = toJsonValue(input);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json ?? {})).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("Struct and Value helpers", () => {
  test("toJsonObject refuses a value that is not an object", () => {
    expect(() => toJsonObject([1, 2])).toThrow(/JSON object/);
  });

  test("absent stays unset and JSON null becomes a null Value", () => {
    expect(jsonToProtoValue(undefined)).toBeUndefined();
    expect(jsonToProtoValue(null)?.kind.case).toBe("nullValue");
    expect(protoValueToJson(jsonToProtoValue(null))).toBeNull();
    expect(protoValueToJson(undefined)).toBeUndefined();
  });

  test("a Value holding no kind is a ConversionError", () => {
    const empty = jsonToProtoValue(1);
    if (empty === undefined) {
      throw new Error("expected a Value");
    }
    empty.kind = { case: undefined };
    expect(() => protoValueToJson(empty)).toThrow(/no valid JSON/);
  });

  test("extraFieldsOf is unset for no keys or only undefined ones", () => {
    expect(extraFieldsOf({})).toBeUndefined();
    expect(extraFieldsOf({ a: undefined })).toBeUndefined();
    expect(extraFieldsOf({ a: 1 })).toEqual({ a: 1 });
  });

  test("omitUndefined drops only undefined, keeping null, false, 0 and empty strings", () => {
    expect(omitUndefined({ a: undefined, b: null, c: false, d: 0, e: "" })).toStrictEqual({
      b: null,
      c: false,
      d: 0,
      e: "",
    });
  });
});
