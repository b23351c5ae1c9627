import { describe, expect, it } from "vitest";
import { classifyFirstBytes, http2ConnectionPreface } from "./http-preface.js";

const bytes = (text: string) => Buffer.from(text, "latin1");

describe("classifyFirstBytes", () => {
  it.each([
    ["nothing yet", bytes(""), "undecided"],
    ["part of the preface", bytes("PRI * HTTP/2"), "undecided"],
    ["all but the last byte of the preface", http2ConnectionPreface.subarray(0, -1), "undecided"],
    ["the whole preface", http2ConnectionPreface, "http2"],
    [
      "the preface and a SETTINGS frame",
      Buffer.concat([http2ConnectionPreface, Buffer.from([0, 0, 0, 4])]),
      "http2",
    ],
    ["an HTTP/1.1 POST", bytes("POST /grpc.health.v1.Health/Check HTTP/1.1\r\n"), "http1"],
    ["a GET's first byte", bytes("G"), "http1"],
    ["a request that shares the preface's first bytes", bytes("PRX / HTTP/1.1\r\n"), "http1"],
    ["a TLS ClientHello", Buffer.from([0x16, 0x03, 0x01]), "http1"],
  ] as const)("%s → %s", (_name, received, verdict) => {
    expect(classifyFirstBytes(received)).toBe(verdict);
  });
});
