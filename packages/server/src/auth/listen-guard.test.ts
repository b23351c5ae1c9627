import { describe, expect, it } from "vitest";
import { isInsecureListenError } from "./errors.js";
import { checkListenExposure } from "./listen-guard.js";

const resolve = async (host: string) =>
  host === "localhost" ? [{ address: "127.0.0.1" }, { address: "::1" }] : [{ address: "10.0.0.7" }];

describe("the --insecure rule (X5)", () => {
  it.each([
    [{ host: "0.0.0.0", isAuthEnabled: true, insecure: false }, "authenticated"],
    [{ host: "127.0.0.1", isAuthEnabled: false, insecure: false }, "loopback"],
    [{ host: "localhost", isAuthEnabled: false, insecure: false }, "loopback"],
    [{ host: "::1", isAuthEnabled: false, insecure: true }, "loopback"],
    [{ host: "0.0.0.0", isAuthEnabled: false, insecure: true }, "insecure"],
    [{ host: "box.lan", isAuthEnabled: false, insecure: true }, "insecure"],
  ])("%j is %s", async (input, exposure) => {
    expect(await checkListenExposure({ ...input, resolve })).toBe(exposure);
  });

  it.each(["0.0.0.0", "::", "192.168.1.20", "box.lan"])(
    "refuses %s without auth and without --insecure, saying how to fix it",
    async (host) => {
      let caught: unknown;
      try {
        await checkListenExposure({ host, isAuthEnabled: false, insecure: false, resolve });
      } catch (error: unknown) {
        caught = error;
      }
      expect(isInsecureListenError(caught)).toBe(true);
      expect(caught instanceof Error ? caught.message : "").toBe(
        `Refusing to listen on "${host}" without authentication: anyone who can reach that ` +
          "address could read and drive every thread. Configure auth (auth.apiKeys or auth.jwt), " +
          "listen on a loopback address (127.0.0.1, ::1, localhost), or accept the risk with " +
          "--insecure (config insecure: true, or DURABLE_AGENTS_INSECURE=1).",
      );
    },
  );
});
