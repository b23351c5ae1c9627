import { describe, expect, it } from "vitest";
import { bearerToken } from "./bearer-token.js";
import { isAuthenticationError } from "./errors.js";

describe("bearer tokens (RFC 6750)", () => {
  it.each([
    ["Bearer abc.def-ghi", "abc.def-ghi"],
    ["bearer abc", "abc"],
    ["BEARER \tabc  ", "abc"],
  ])("reads %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    [null, 'credentials are missing: send the header "authorization: Bearer <token>"'],
    ["  ", 'credentials are missing: send the header "authorization: Bearer <token>"'],
    ["Basic c2VjcmV0LXRva2Vu", 'the authorization header must be "Bearer <token>"'],
    ["Bearer", 'the authorization header must be "Bearer <token>"'],
    ["Bearer secret token", 'the authorization header must be "Bearer <token>"'],
  ])("refuses %j without echoing it", (header, message) => {
    let caught: unknown;
    try {
      bearerToken(header);
    } catch (error: unknown) {
      caught = error;
    }
    expect(isAuthenticationError(caught)).toBe(true);
    expect(caught instanceof Error ? caught.message : "").toBe(message);
  });
});
