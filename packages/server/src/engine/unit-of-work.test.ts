import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../events/event-bus.js";
import { createLocalEventBus } from "../events/local-event-bus.js";
import { messageRecord, threadRecord } from "../store/conformance/fixtures.js";
import { Changes } from "./unit-of-work.js";

describe("Changes", () => {
  it("announces only the thread state a transaction commits, after its other events in order", () => {
    const bus = createLocalEventBus();
    const heard: ThreadEvent[] = [];
    bus.subscribe("t1", (event) => heard.push(event));
    const thread = threadRecord({ threadId: "t1" });
    const message = { ...messageRecord("t1"), position: 0 };
    const changes = new Changes();
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 1, status: "completed" } });
    changes.emit("t1", { type: "message", message, threadVersion: 1 });
    changes.emit("t1", { type: "thread", thread: { ...thread, version: 2, status: "streaming" } });

    changes.flush({ bus, offerJobs: () => {} });

    expect(heard.map((event) => event.type)).toEqual(["message", "thread"]);
    expect(heard[1]).toMatchObject({ thread: { version: 2, status: "streaming" } });
  });
});
