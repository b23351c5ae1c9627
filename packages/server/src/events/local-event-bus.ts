// The in-process EventBus of the embedded default: listeners of a thread are called
// synchronously, in publish order.
import type { EventBus, ThreadEvent, ThreadEventListener } from "./event-bus.js";

export function createLocalEventBus(): EventBus {
  const listeners = new Map<string, Set<ThreadEventListener>>();
  return {
    publish(threadId: string, events: readonly ThreadEvent[]) {
      const threadListeners = listeners.get(threadId);
      if (threadListeners === undefined) return;
      for (const event of events) {
        // Copy: a listener may unsubscribe (or subscribe another) while we iterate.
        for (const listener of [...threadListeners]) listener(event);
      }
    },
    subscribe(threadId: string, listener: ThreadEventListener) {
      let threadListeners = listeners.get(threadId);
      if (threadListeners === undefined) {
        threadListeners = new Set();
        listeners.set(threadId, threadListeners);
      }
      threadListeners.add(listener);
      return () => {
        threadListeners.delete(listener);
        if (threadListeners.size === 0) listeners.delete(threadId);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
