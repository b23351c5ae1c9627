// The Store over Kysely, shared by the SQLite store and (later) the PostgreSQL store: they differ
// only in the Kysely dialect they open and the StoreDialect they pass.
import type { Kysely } from "kysely";
import { TransactionConflictError } from "../errors.js";
import type { JobRecord } from "../records.js";
import type { Store, StoreTransaction } from "../store.js";
import type { Database } from "./database.js";
import * as jobLeases from "./job-leases.js";
import { KyselyStoreReader } from "./kysely-store-reader.js";
import { KyselyStoreTransaction } from "./kysely-store-transaction.js";
import { runMigrations } from "./migrations/run-migrations.js";
import type { StoreDialect } from "./store-dialect.js";

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
}

export class KyselyStore extends KyselyStoreReader implements Store {
  readonly exclusive: boolean;
  readonly #maxTransactionAttempts: number;

  constructor(options: KyselyStoreOptions) {
    super({ db: options.db, dialect: options.dialect });
    this.exclusive = options.exclusive;
    this.#maxTransactionAttempts = options.maxTransactionAttempts ?? 5;
  }

  /**
   * Runs `fn` in one database transaction and commits when it resolves; rolls back when it throws.
   * `fn` must use only `tx`: on SQLite the store's one connection is held by the transaction, so a
   * call on the store itself would wait for the transaction to end.
   */
  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.ctx.db
          .transaction()
          .execute((trx) => fn(new KyselyStoreTransaction({ db: trx, dialect: this.ctx.dialect })));
      } catch (error) {
        if (!this.ctx.dialect.isRetryableConflict(error)) throw error;
        if (attempt >= this.#maxTransactionAttempts) {
          throw new TransactionConflictError(attempt, { cause: error });
        }
      }
    }
  }

  migrate(): Promise<void> {
    return runMigrations(this.ctx.db, this.ctx.dialect);
  }

  close(): Promise<void> {
    return this.ctx.db.destroy();
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
