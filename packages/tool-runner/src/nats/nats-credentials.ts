// How a server or a tool runner proves who it is to NATS (X5): a user and password, a token, a
// credentials file (a user JWT and its nkey seed, as `nsc` writes it) or an nkey seed file. Servers
// and runners choose and apply credentials with these same functions, so both accept the same
// forms. Secrets never appear in the messages here: they reach logs.
import { readFileSync } from "node:fs";
import {
  type ConnectionOptions,
  credsAuthenticator,
  nkeyAuthenticator,
} from "@nats-io/transport-node";

/** NATS credentials: exactly one of the forms nats-server's authorization accepts. */
export type NatsCredentials =
  | { user: string; password: string }
  | { token: string }
  | {
      /** A `.creds` file: a user JWT and its nkey seed (decentralized auth, `nsc`). */
      credsFile: string;
    }
  | {
      /** A file holding an nkey seed (`SU…`), for users configured by nkey public key. */
      nkeySeedFile: string;
    };

/** The credential settings as a configuration file, flags or the environment give them. */
export interface NatsCredentialFields {
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  credsFile?: string | undefined;
  nkeySeedFile?: string | undefined;
}

/** What {@link natsCredentialsFrom} made of the fields, or why it could not. */
export type NatsCredentialsResult =
  | { ok: true; credentials: NatsCredentials | undefined }
  | { ok: false; message: string };

/**
 * The one form of credentials the fields give (undefined when none): a user goes with a password,
 * and two forms at once are refused rather than one silently winning.
 */
export function natsCredentialsFrom(fields: NatsCredentialFields): NatsCredentialsResult {
  const given = (value: string | undefined) => value !== undefined && value !== "";
  const { user, password, token, credsFile, nkeySeedFile } = fields;
  const forms = [
    given(user) || given(password) ? "user and password" : undefined,
    given(token) ? "token" : undefined,
    given(credsFile) ? "credentials file" : undefined,
    given(nkeySeedFile) ? "nkey seed file" : undefined,
  ].filter((form) => form !== undefined);
  if (forms.length > 1) {
    return { ok: false, message: `give one kind of NATS credentials, not ${forms.join(" and ")}` };
  }
  if (given(user) !== given(password)) {
    return { ok: false, message: "a NATS user needs a password, and a password needs a user" };
  }
  if (user !== undefined && password !== undefined && given(user)) {
    return { ok: true, credentials: { user, password } };
  }
  if (token !== undefined && given(token)) return { ok: true, credentials: { token } };
  if (credsFile !== undefined && given(credsFile)) return { ok: true, credentials: { credsFile } };
  if (nkeySeedFile !== undefined && given(nkeySeedFile)) {
    return { ok: true, credentials: { nkeySeedFile } };
  }
  return { ok: true, credentials: undefined };
}

/** A credentials or seed file that cannot be read. */
export class NatsCredentialsFileError extends Error {
  override readonly name = "NatsCredentialsFileError";
}

/** isNatsCredentialsFileError tells a {@link NatsCredentialsFileError} apart from other values. */
export function isNatsCredentialsFileError(error: unknown): error is NatsCredentialsFileError {
  return error instanceof NatsCredentialsFileError;
}

/** Reads a credentials or seed file; the error names the file and the reason, never contents. */
function readSecretFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new NatsCredentialsFileError(`cannot read the NATS ${what} file ${path} (${code})`, {
      cause: error,
    });
  }
}

/**
 * The nats.js connect options for `credentials`. Files are read now, so a missing file stops the
 * process at start-up, and again at every reconnection, so a rotated file is picked up.
 */
export function natsAuthOptions(
  credentials: NatsCredentials | undefined,
): Pick<ConnectionOptions, "user" | "pass" | "token" | "authenticator"> {
  if (credentials === undefined) return {};
  if ("user" in credentials) return { user: credentials.user, pass: credentials.password };
  if ("token" in credentials) return { token: credentials.token };
  if ("credsFile" in credentials) {
    const read = () => readSecretFile(credentials.credsFile, "credentials");
    read();
    return { authenticator: credsAuthenticator(read) };
  }
  const readSeed = () =>
    new TextEncoder().encode(
      new TextDecoder().decode(readSecretFile(credentials.nkeySeedFile, "nkey seed")).trim(),
    );
  readSeed();
  return { authenticator: nkeyAuthenticator(readSeed) };
}
