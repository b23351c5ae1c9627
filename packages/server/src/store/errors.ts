// Typed errors of the Store (DESIGN §4). Every implementation throws these, so the engine and the
// RPC edge branch on the class (with the guards below), never on a driver's message text.

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

/** InvalidStoreUrlError: a store URL (DESIGN §5 `store`) that names no known store. */
export class InvalidStoreUrlError extends Error {
  override readonly name = "InvalidStoreUrlError";
  readonly url: string;

  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(`invalid store URL "${url}": ${reason}`, options);
    this.url = url;
  }
}

/** isInvalidStoreUrlError tells an {@link InvalidStoreUrlError} apart from any other thrown value. */
export function isInvalidStoreUrlError(error: unknown): error is InvalidStoreUrlError {
  return error instanceof InvalidStoreUrlError;
}

/** UnsupportedStoreError: a valid store URL whose store this release does not implement yet. */
export class UnsupportedStoreError extends Error {
  override readonly name = "UnsupportedStoreError";
  /** The store kind, e.g. "postgres". */
  readonly kind: string;

  constructor(kind: string, options?: ErrorOptions) {
    super(`the ${kind} store is not yet supported; use sqlite:PATH`, options);
    this.kind = kind;
  }
}

/** isUnsupportedStoreError tells an {@link UnsupportedStoreError} apart from any other thrown value. */
export function isUnsupportedStoreError(error: unknown): error is UnsupportedStoreError {
  return error instanceof UnsupportedStoreError;
}
