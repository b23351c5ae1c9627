import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import {
  isNatsCredentialsFileError,
  natsAuthOptions,
  natsCredentialsFrom,
} from "./nats-credentials.js";

describe("NATS credentials (X5)", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it.each([
    [{}, { ok: true, credentials: undefined }],
    [
      { user: "", token: "" },
      { ok: true, credentials: undefined },
    ],
    [
      { user: "u", password: "p" },
      { ok: true, credentials: { user: "u", password: "p" } },
    ],
    [{ token: "t" }, { ok: true, credentials: { token: "t" } }],
    [{ credsFile: "a.creds" }, { ok: true, credentials: { credsFile: "a.creds" } }],
    [{ nkeySeedFile: "s.nk" }, { ok: true, credentials: { nkeySeedFile: "s.nk" } }],
  ])("natsCredentialsFrom(%j)", (fields, expected) => {
    expect(natsCredentialsFrom(fields)).toEqual(expected);
  });

  it.each([
    [{ user: "u" }, "a NATS user needs a password, and a password needs a user"],
    [{ password: "p" }, "a NATS user needs a password, and a password needs a user"],
    [
      { user: "u", password: "p", token: "t" },
      "give one kind of NATS credentials, not user and password and token",
    ],
    [
      { credsFile: "c", nkeySeedFile: "s" },
      "give one kind of NATS credentials, not credentials file and nkey seed file",
    ],
  ])("natsCredentialsFrom(%j) refuses", (fields, message) => {
    expect(natsCredentialsFrom(fields)).toEqual({ ok: false, message });
  });

  it("maps user/password and token to nats.js options as they are", () => {
    expect(natsAuthOptions(undefined)).toEqual({});
    expect(natsAuthOptions({ user: "u", password: "p" })).toEqual({ user: "u", pass: "p" });
    expect(natsAuthOptions({ token: "t" })).toEqual({ token: "t" });
  });

  it("signs the server's nonce with the seed of an nkey seed file", () => {
    dir = mkdtempSync(join(tmpdir(), "nats-credentials-"));
    const user = nkeys.createUser();
    const seedFile = join(dir, "user.nk");
    writeFileSync(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    const { authenticator } = natsAuthOptions({ nkeySeedFile: seedFile });
    if (typeof authenticator !== "function") throw new Error("expected one authenticator");
    const nonce = "c2VydmVyLW5vbmNl";
    const auth = authenticator(nonce);
    expect(auth).toMatchObject({ nkey: user.getPublicKey() });
    const signature = auth !== undefined && "sig" in auth ? auth.sig : "";
    expect(
      user.verify(new TextEncoder().encode(nonce), Buffer.from(String(signature), "base64url")),
    ).toBe(true);
  });

  it("names a missing file and its reason, at once", () => {
    let caught: unknown;
    try {
      natsAuthOptions({ credsFile: "/nonexistent/runner.creds" });
    } catch (error: unknown) {
      caught = error;
    }
    expect(isNatsCredentialsFileError(caught)).toBe(true);
    expect(caught instanceof Error ? caught.message : "").toBe(
      "cannot read the NATS credentials file /nonexistent/runner.creds (ENOENT)",
    );
  });
});
