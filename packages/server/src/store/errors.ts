// Typed errors of the Store (DESIGN §4). Every implementation throws these, so the engine and the
// RPC edge branch on the class (with the guards below), never on a driver's message text.
import { redactUrlCredentials } from "./redact-url-credentials.js";

/** RecordNotFoundError: an update or append named a row that does not exist. */
export class RecordNotFoundError extends Error {
  override readonly name = "RecordNotFoundError";
  /** The kind of record, e.g. "thread", "stream", "tool call". */
  readonly record: string;
  /** The key that was looked up, e.g. the thread id. */
  readonly key: string;

  constructor(record: string, key: string, options?: ErrorOptions) {
    super(`${record} ${key} not found`, options);
    this.record = record;
    this.key = key;
  }
}

/** isRecordNotFoundError tells a {@link RecordNotFoundError} apart from any other thrown value. */
export function isRecordNotFoundError(error: unknown): error is RecordNotFoundError {
  return error instanceof RecordNotFoundError;
}

/** DuplicateRecordError: an insert used a key that already exists (e.g. a second tool call id, B6). */
export class DuplicateRecordError extends Error {
  override readonly name = "DuplicateRecordError";
  readonly record: string;
  readonly key: string;

  constructor(record: string, key: string, options?: ErrorOptions) {
    super(`${record} ${key} already exists`, options);
    this.record = record;
    this.key = key;
  }
}

/** isDuplicateRecordError tells a {@link DuplicateRecordError} apart from any other thrown value. */
export function isDuplicateRecordError(error: unknown): error is DuplicateRecordError {
  return error instanceof DuplicateRecordError;
}

/**
 * DeltaSequenceError: a delta did not continue its stream. Its `deltaSeq` must equal the stream's
 * `deltaCount` and its `streamSeq` the stream's `seq`; a gap or a duplicate would break the cursor
 * promise of StreamUpdates (no gap, no duplicate).
 */
export class DeltaSequenceError extends Error {
  override readonly name = "DeltaSequenceError";
  readonly streamId: string;
  /** The position the delta claimed. */
  readonly streamSeq: number;
  readonly deltaSeq: number;
  /** The position the stream expected next. */
  readonly expectedStreamSeq: number;
  readonly expectedDeltaSeq: number;

  constructor(
    streamId: string,
    given: { streamSeq: number; deltaSeq: number },
    expected: { streamSeq: number; deltaSeq: number },
    options?: ErrorOptions,
  ) {
    super(
      `delta (${given.streamSeq}, ${given.deltaSeq}) does not continue stream ${streamId}, ` +
        `which expects (${expected.streamSeq}, ${expected.deltaSeq})`,
      options,
    );
    this.streamId = streamId;
    this.streamSeq = given.streamSeq;
    this.deltaSeq = given.deltaSeq;
    this.expectedStreamSeq = expected.streamSeq;
    this.expectedDeltaSeq = expected.deltaSeq;
  }
}

/** isDeltaSequenceError tells a {@link DeltaSequenceError} apart from any other thrown value. */
export function isDeltaSequenceError(error: unknown): error is DeltaSequenceError {
  return error instanceof DeltaSequenceError;
}

/**
 * TransactionConflictError: a transaction kept meeting serialisation conflicts (another writer)
 * and was given up after `attempts` tries. Its `cause` is the last conflict.
 */
export class TransactionConflictError extends Error {
  override readonly name = "TransactionConflictError";
  readonly attempts: number;

  constructor(attempts: number, options?: ErrorOptions) {
    super(`transaction gave up after ${attempts} conflicting attempts`, options);
    this.attempts = attempts;
  }
}

/** isTransactionConflictError tells a {@link TransactionConflictError} apart from any other thrown value. */
export function isTransactionConflictError(error: unknown): error is TransactionConflictError {
  return error instanceof TransactionConflictError;
}

/**
 * SchemaVersionError: the database was migrated by a newer release than this one. Running on it
 * could misread rows that release wrote, so the store refuses to start.
 */
export class SchemaVersionError extends Error {
  override readonly name = "SchemaVersionError";
  readonly databaseVersion: number;
  readonly knownVersion: number;

  constructor(databaseVersion: number, knownVersion: number, options?: ErrorOptions) {
    super(
      `the database schema is at version ${databaseVersion}, newer than the ${knownVersion} ` +
        "this release knows: upgrade durable-agents",
      options,
    );
    this.databaseVersion = databaseVersion;
    this.knownVersion = knownVersion;
  }
}

/** isSchemaVersionError tells a {@link SchemaVersionError} apart from any other thrown value. */
export function isSchemaVersionError(error: unknown): error is SchemaVersionError {
  return error instanceof SchemaVersionError;
}

/**
 * InvalidStoreUrlError: a store URL (DESIGN §5 `store`) that names no known store. Neither its
 * message nor `url` holds the URL's credentials: both reach logs.
 */
export class InvalidStoreUrlError extends Error {
  override readonly name = "InvalidStoreUrlError";
  /** The URL, credentials removed ({@link redactUrlCredentials}). */
  readonly url: string;

  constructor(url: string, reason: string, options?: ErrorOptions) {
    const redacted = redactUrlCredentials(url);
    super(`invalid store URL "${redacted}": ${reason}`, options);
    this.url = redacted;
  }
}

/** isInvalidStoreUrlError tells an {@link InvalidStoreUrlError} apart from any other thrown value. */
export function isInvalidStoreUrlError(error: unknown): error is InvalidStoreUrlError {
  return error instanceof InvalidStoreUrlError;
}

/**
 * StoreUnavailableError: the database could not be reached, or the connection broke, and retrying
 * for the store's retry budget did not help (a PostgreSQL restart or network loss that lasted too
 * long). When `commitOutcomeUnknown` is set, the connection broke while a transaction's COMMIT was
 * under way: the database may or may not have applied it, so the store does not run it again.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  /** Whether the failed transaction may have committed (the connection broke during COMMIT). */
  readonly commitOutcomeUnknown: boolean;

  constructor(options: ErrorOptions & { commitOutcomeUnknown: boolean }) {
    super(
      options.commitOutcomeUnknown
        ? "the connection to the database broke while a transaction committed: it may or may not have been applied"
        : "the database is unavailable",
      options,
    );
    this.commitOutcomeUnknown = options.commitOutcomeUnknown;
  }
}

/** isStoreUnavailableError tells a {@link StoreUnavailableError} apart from any other thrown value. */
export function isStoreUnavailableError(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}
