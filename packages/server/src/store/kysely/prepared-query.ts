// Queries built and compiled once per store, then run with each call's values. Kysely builds,
// freezes and compiles a query's operation tree on every call: in the server's process that was
// ~40 µs a statement in `pnpm bench` (a CPU profile of the durable tool loop: 3.6 ms of its
// 88 statements), more than SQLite takes to run most of them. The store's hot queries have a
// fixed shape, so their SQL is made once per dialect and only the parameters change.
import { type Compilable, CompiledQuery, type QueryResult } from "kysely";
import type { QueryContext } from "./query-context.js";
import type { StoreDialect } from "./store-dialect.js";

/** Stands for an argument while the query is built; found again among the compiled parameters. */
class Argument {
  constructor(readonly index: number) {}
}

/** The compiled SQL, and for each parameter either the argument it takes or its constant value. */
interface Template {
  sql: string;
  parameters: readonly unknown[];
}

/** Runs the prepared query with these arguments, in the context's connection or transaction. */
export type PreparedQuery<Args extends unknown[], Row> = (
  ctx: QueryContext,
  ...args: Args
) => Promise<QueryResult<Row>>;

/**
 * Prepares the query `build` makes. `build` is called once per dialect, with placeholders in
 * place of its arguments: it must put each argument into the query as a value, unchanged (encode
 * JSON or booleans before the call), and the query's shape must not depend on the arguments —
 * a query whose shape varies (an IN list, a patch) is prepared once per shape.
 */
export function prepareQuery<Args extends unknown[], Row>(
  build: (ctx: QueryContext, ...args: Args) => Compilable<Row>,
  /** How many arguments `build` takes; needed when it takes a rest parameter. */
  arity = build.length - 1,
): PreparedQuery<Args, Row> {
  const templates = new WeakMap<StoreDialect, Template>();
  return async (ctx, ...args) => {
    let template = templates.get(ctx.dialect);
    if (template === undefined) {
      template = compileTemplate(ctx, build, arity);
      templates.set(ctx.dialect, template);
    }
    const parameters = template.parameters.map((parameter) =>
      parameter instanceof Argument ? args[parameter.index] : parameter,
    );
    return ctx.db.executeQuery<Row>(CompiledQuery.raw(template.sql, parameters));
  };
}

function compileTemplate<Args extends unknown[], Row>(
  ctx: QueryContext,
  build: (ctx: QueryContext, ...args: Args) => Compilable<Row>,
  arity: number,
): Template {
  const placeholders = Array.from({ length: arity }, (_, index) => new Argument(index));
  const { sql, parameters } = build(ctx, ...(placeholders as unknown as Args)).compile();
  const used = new Set(
    parameters.flatMap((parameter) => (parameter instanceof Argument ? [parameter.index] : [])),
  );
  // An argument the query does not pass on as it is (transformed, or unused) would be lost.
  if (used.size !== arity) {
    throw new Error(`a prepared query uses ${used.size} of its ${arity} arguments: ${sql}`);
  }
  return { sql, parameters };
}

/**
 * Prepared queries whose shape depends on the call (the statuses of an IN list, the columns of a
 * patch): one per shape, prepared on its first use. `key` names a shape; the shapes the store
 * asks for are few.
 */
export function preparePerShape<Shape, Query>(
  key: (shape: Shape) => string,
  prepare: (shape: Shape) => Query,
): (shape: Shape) => Query {
  const queries = new Map<string, Query>();
  return (shape) => {
    const name = key(shape);
    let query = queries.get(name);
    if (query === undefined) {
      query = prepare(shape);
      queries.set(name, query);
    }
    return query;
  };
}

/**
 * Prepares a query that writes a row (an insert's values, an update's SET) given as its first
 * argument: one prepared statement per set of columns the rows give (a column left undefined is
 * left out, as Kysely leaves it out), each column's value a parameter. `build` uses the row's
 * values as they are, like the other arguments.
 */
export function prepareRowQuery<Columns extends object, Args extends unknown[], Row>(
  build: (ctx: QueryContext, row: Columns, ...args: Args) => Compilable<Row>,
): (ctx: QueryContext, row: Columns, ...args: Args) => Promise<QueryResult<Row>> {
  const otherArity = build.length - 2;
  const perColumns = preparePerShape(
    (columns: readonly string[]) => columns.join(),
    (columns) =>
      prepareQuery((ctx, ...values: unknown[]) => {
        const row = Object.fromEntries(columns.map((column, index) => [column, values[index]]));
        return build(ctx, row as Columns, ...(values.slice(columns.length) as Args));
      }, columns.length + otherArity),
  );
  return (ctx, row, ...args) => {
    const entries = Object.entries(row).filter(([, value]) => value !== undefined);
    const columns = entries.map(([column]) => column);
    return perColumns(columns)(ctx, ...entries.map(([, value]) => value), ...args);
  };
}
