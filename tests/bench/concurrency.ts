// Running one async step per item with at most `limit` in flight, as a client pool would.

export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  step: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await step(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
