// A node-postgres pool client, running statements as Kysely expects their results.
import type { CompiledQuery, QueryResult } from "kysely";
import type { QueryResult as PgQueryResult, PoolClient } from "pg";

const COUNTED_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/** What Kysely expects of a result; the number of rows a write touched, as Kysely counts it. */
function toQueryResult<R>(result: PgQueryResult): QueryResult<R> {
  return {
    numAffectedRows: COUNTED_COMMANDS.has(result.command)
      ? BigInt(result.rowCount ?? 0)
      : undefined,
    rows: (result.rows ?? []) as R[],
  };
}

export class PooledConnection {
  /** Set when the connection must not go back to the pool (a failed ROLLBACK). */
  discarded = false;

  constructor(readonly client: PoolClient) {}

  /** Runs the statement; the tag of its command (e.g. COMMIT, ROLLBACK) comes with its result. */
  async run(query: CompiledQuery): Promise<PgQueryResult> {
    const result: PgQueryResult | PgQueryResult[] = await this.client.query(query.sql, [
      ...query.parameters,
    ]);
    // A simple query of several statements answers with one result each; the last one's is the
    // statement's (the others are the transaction's BEGIN).
    const last = Array.isArray(result) ? result.at(-1) : result;
    if (last === undefined) throw new Error("the database answered a statement with no result");
    return last;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return toQueryResult<R>(await this.run(query));
  }

  release(): void {
    this.client.release(this.discarded);
  }
}
