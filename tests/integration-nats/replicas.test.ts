// Issue #4 deliverable 5 (X1, DESIGN §4): watchers on one server replica see the deltas and
// status changes of a turn running on another, through the NATS event bus. Replicas need one
// shared store; SQLite is single-process (docs/decisions.md), so the two replicas run in this
// process on one Store instance, each with its own NATS connection and bus, as two processes on
// PostgreSQL would (issue #5).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreadStatus } from "@durable-agents/core/proto";
import { createStore, type Store } from "@durable-agents/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAllMessages, outline } from "../support/conversation.js";
import { within } from "../support/deadline.js";
import { createGate, createScriptedModel, textReply } from "../support/scripted-model.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  deltaEvents,
  latestThread,
  recordWatch,
  streamedText,
  type WatchRecording,
} from "../support/watch-recorder.js";
import { deleteStreams, missingNats, randomPrefix, sharedNatsUrl } from "./support/nats.js";

const missing = await missingNats();
const skip = missing !== undefined && process.env.CI !== "true";
/** Starting and stopping servers and runner processes may take a while on a busy machine. */
const HOOK_TIMEOUT_MS = 30_000;

describe.skipIf(skip)(
  skip ? `replicas over NATS — SKIPPED: ${missing}` : "replicas share events over NATS (X1)",
  { timeout: 60_000 },
  () => {
    let prefix: string;
    let dataDir: string;
    let store: Store;
    let replicas: TestServer[];
    let recordings: WatchRecording[];

    beforeEach(async () => {
      prefix = randomPrefix();
      dataDir = mkdtempSync(join(tmpdir(), "durable-agents-nats-replicas-"));
      store = await createStore({ type: "sqlite", path: join(dataDir, "shared.db") });
      replicas = [];
      recordings = [];
    }, HOOK_TIMEOUT_MS);
    afterEach(async () => {
      for (const recording of recordings) await recording.stop();
      for (const replica of replicas) await replica.close();
      await store.close();
      await deleteStreams(sharedNatsUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    }, HOOK_TIMEOUT_MS);

    it("X1 a watcher on replica A sees the live deltas and status changes of a turn running on replica B", async () => {
      const release = createGate();
      /** Which replica's model ran the turn (whichever scheduler claimed it). */
      const ranOn = createGate();
      let runner: number | undefined;
      for (const index of [0, 1]) {
        const scripted = createScriptedModel(() => {
          runner = index;
          ranOn.open();
          return { ...textReply("streamed across replicas"), holdUntil: release.promise };
        });
        replicas.push(
          await startTestServer({
            store,
            config: {
              nats: { url: sharedNatsUrl, prefix },
              agents: [],
            },
            agents: [
              {
                name: "live",
                model: scripted.model,
                tools: [],
                streaming: { saveDeltas: true, throttleMs: 0, includeToolInputDeltas: false },
              },
            ],
          }),
        );
      }
      const [first, second] = replicas;
      if (first === undefined || second === undefined) throw new Error("two replicas expected");
      const { thread } = await second.threads.createThread({ agent: "live" });
      const threadId = thread?.threadId ?? "";
      for (const replica of replicas) recordings.push(await recordWatch(replica.streams, threadId));

      await second.threads.sendMessage({
        threadId,
        content: { case: "prompt", value: "go" },
      });
      await within(ranOn.promise, 10_000, "the turn's start");
      const running = runner ?? 0;
      const other = running === 0 ? 1 : 0;
      const watcher = recordings[other];
      if (watcher === undefined) throw new Error("no watcher");

      // The turn is held open on the running replica; the other replica's watcher has nothing
      // of its own to go on: what it sees came over NATS.
      await watcher.until(
        (events) => streamedText(deltaEvents(events)) === "streamed across replicas",
        "the other replica's delta",
      );
      expect(latestThread(watcher.events)?.status).toBe(ThreadStatus.STREAMING);
      release.open();
      await watcher.until((events) => {
        const latest = latestThread(events);
        return latest?.status === ThreadStatus.COMPLETED && latest.activeStreamId === undefined;
      }, "the completed thread on the other replica");
      const watching = replicas[other];
      if (watching === undefined) throw new Error("no replica");
      expect(outline(await listAllMessages(watching.threads, threadId))).toEqual([
        ["user", "text:go"],
        ["assistant", "text:streamed across replicas"],
      ]);
    });
  },
);
