/**
 * Reads `key` from any value without trusting it: thrown values can be proxies or carry getters
 * that throw, and a classifier must never fail while looking at the error it classifies.
 */
export function readProperty(value: unknown, key: string): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) {
    return undefined;
  }
  try {
    return Reflect.get(value, key);
  } catch {
    return undefined;
  }
}
