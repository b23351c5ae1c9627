// The Store over Kysely, shared by the SQLite store and the PostgreSQL store: they differ only in
// the Kysely dialect they open and the StoreDialect they pass.
import type { Kysely } from "kysely";
import { StoreUnavailableError, TransactionConflictError } from "../errors.js";
import type { JobRecord } from "../records.js";
import type { Store, StoreTransaction } from "../store.js";
import {
  ConnectionRetry,
  type ConnectionRetryPolicy,
  DEFAULT_CONNECTION_RETRY,
} from "./connection-retry.js";
import type { Database } from "./database.js";
import * as jobLeases from "./job-leases.js";
import { KyselyStoreReader } from "./kysely-store-reader.js";
import { KyselyStoreTransaction } from "./kysely-store-transaction.js";
import { runMigrations } from "./migrations/run-migrations.js";
import type { StoreDialect } from "./store-dialect.js";
import * as streams from "./streams.js";

export interface KyselyStoreOptions {
  /** The database; the store owns it and destroys it on close(). */
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** Store.exclusive: whether this process is the database's only user. */
  exclusive: boolean;
  /**
   * How many times transaction() runs its function when the database reports a conflict with
   * another writer, before it throws a TransactionConflictError.
   * @default 5
   */
  maxTransactionAttempts?: number;
  /**
   * How long transaction() keeps running its function again after connection errors (a database
   * restart) before it throws a StoreUnavailableError.
   * @default DEFAULT_CONNECTION_RETRY (15 s)
   */
  connectionRetry?: ConnectionRetryPolicy;
  /** Runs when close() is called, before the database is destroyed. */
  beforeClose?: () => Promise<void> | undefined;
}

export class KyselyStore extends KyselyStoreReader implements Store {
  readonly exclusive: boolean;
  readonly #maxTransactionAttempts: number;
  readonly #connectionRetry: ConnectionRetryPolicy;
  readonly #beforeClose: (() => Promise<void> | undefined) | undefined;

  constructor(options: KyselyStoreOptions) {
    super({ db: options.db, dialect: options.dialect });
    this.exclusive = options.exclusive;
    this.#maxTransactionAttempts = options.maxTransactionAttempts ?? 5;
    this.#connectionRetry = options.connectionRetry ?? DEFAULT_CONNECTION_RETRY;
    this.#beforeClose = options.beforeClose;
  }

  /**
   * Runs `fn` in one database transaction and commits when it resolves; rolls back when it throws.
   * `fn` must use only `tx`: on SQLite the store's one connection is held by the transaction, so a
   * call on the store itself would wait for the transaction to end.
   *
   * `fn` runs again after a serialisation conflict, and after a connection failure before COMMIT
   * reached the database, which then rolled the transaction back (issue #5). A connection lost
   * with COMMIT in flight leaves the outcome unknown: running `fn` again could apply it twice, so
   * that is a StoreUnavailableError with `commitOutcomeUnknown`. The dialect's driver must let
   * the commit's own error through, not an error of the rollback Kysely tries after it.
   */
  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const { dialect } = this.ctx;
    let connectionRetry: ConnectionRetry | undefined;
    for (let conflicts = 0; ; ) {
      let committing = false;
      try {
        return await this.ctx.db.transaction().execute(async (trx) => {
          const result = await fn(new KyselyStoreTransaction({ db: trx, dialect }));
          // Kysely sends COMMIT as soon as this function resolves.
          committing = true;
          return result;
        });
      } catch (error) {
        const connectionFailure = dialect.connectionFailure(error);
        if (connectionFailure !== "none") {
          if (committing && connectionFailure === "lost") {
            throw new StoreUnavailableError({ commitOutcomeUnknown: true, cause: error });
          }
          connectionRetry ??= new ConnectionRetry(this.#connectionRetry);
          await connectionRetry.wait(error);
          continue;
        }
        if (!dialect.isRetryableConflict(error)) throw error;
        conflicts += 1;
        if (conflicts >= this.#maxTransactionAttempts) {
          throw new TransactionConflictError(conflicts, { cause: error });
        }
      }
    }
  }

  migrate(): Promise<void> {
    return runMigrations(this.ctx.db, this.ctx.dialect);
  }

  async close(): Promise<void> {
    await this.#beforeClose?.();
    await this.ctx.db.destroy();
  }

  deleteEndedStreams(endedAtOrBefore: number, limit: number): Promise<number> {
    return streams.deleteEndedStreams(this.ctx, endedAtOrBefore, limit);
  }

  claimDueJobs(
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
    types?: readonly string[],
  ): Promise<JobRecord[]> {
    return jobLeases.claimDueJobs(this.ctx, owner, now, leaseMs, limit, types);
  }

  claimJob(
    jobId: string,
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<JobRecord | undefined> {
    return jobLeases.claimJob(this.ctx, jobId, owner, now, leaseMs);
  }

  completeJob(jobId: string, owner: string): Promise<boolean> {
    return jobLeases.completeJob(this.ctx, jobId, owner);
  }

  releaseJob(jobId: string, owner: string, runAt: number): Promise<boolean> {
    return jobLeases.releaseJob(this.ctx, jobId, owner, runAt);
  }

  extendLease(jobId: string, owner: string, leaseUntil: number): Promise<boolean> {
    return jobLeases.extendLease(this.ctx, jobId, owner, leaseUntil);
  }
}
