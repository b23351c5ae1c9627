// What the NATS acceptance tests read from WatchThread recordings: the tool call changes (X9).
import type { ToolCall } from "@durable-agents/core/proto";
import type { RecordedEvent } from "../../support/watch-recorder.js";

/** Every tool call state reported (snapshots and changes), in order. */
export function toolCallStates(events: readonly RecordedEvent[]): ToolCall[] {
  return events.flatMap(({ response: { event } }) => {
    if (event.case === "toolCall") return [event.value];
    if (event.case === "snapshot") return event.value.toolCalls;
    return [];
  });
}
