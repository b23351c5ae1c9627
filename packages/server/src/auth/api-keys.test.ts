import { describe, expect, it } from "vitest";
import { createApiKeyVerifier, hashApiKey } from "./api-keys.js";

describe("API keys (X5)", () => {
  it("hashes a key as sha256:<hex>", () => {
    // FIPS 180-2's test vector for "abc".
    expect(hashApiKey("abc")).toBe(
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  const verifier = createApiKeyVerifier([
    { key: "alice-key-1", principal: "alice", roles: ["admin"] },
    // keyHash entries are taken as given, upper-case hex included.
    {
      keyHash: hashApiKey("bob-key-2").toUpperCase().replace("SHA256", "sha256"),
      principal: "bob",
      roles: [],
    },
  ]);

  it("identifies a plain key's and a hashed key's principal with its roles", () => {
    expect(verifier.verify("alice-key-1")).toEqual({
      kind: "principal",
      principal: "alice",
      roles: new Set(["admin"]),
    });
    expect(verifier.verify("bob-key-2")).toEqual({
      kind: "principal",
      principal: "bob",
      roles: new Set(),
    });
  });

  it.each(["", "alice-key-", "alice-key-1 ", "ALICE-KEY-1", hashApiKey("alice-key-1")])(
    "knows no principal for %j",
    (token) => {
      expect(verifier.verify(token)).toBeUndefined();
    },
  );

  it("refuses the same key given twice, plain or hashed", () => {
    expect(() =>
      createApiKeyVerifier([
        { key: "k", principal: "a", roles: [] },
        { keyHash: hashApiKey("k"), principal: "b", roles: [] },
      ]),
    ).toThrow("auth.apiKeys[1] holds the same key as auth.apiKeys[0]");
  });
});
