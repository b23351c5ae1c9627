// Issue #5 acceptance (DESIGN §2 scaled deployment, §4, B3, B20, X1): three server replicas —
// separate processes — on one PostgreSQL database and one NATS, two tool-runner processes, fifty
// concurrent conversations through clients connected to random replicas. One replica is SIGKILLed
// while turns run; every conversation still ends with exactly its expected messages, and watchers
// on a surviving replica saw every delta of every turn, wherever it ran.
import { StreamStatus, ThreadStatus } from "@durable-agents/core/proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ChildServer,
  killAllChildServers,
  startChildServer,
} from "../faults/support/child-server.js";
import {
  deleteStreams,
  missingNats,
  randomPrefix,
  sharedNatsUrl,
} from "../integration-nats/support/nats.js";
import { killAllRunners, startRunner } from "../integration-nats/support/runners.js";
import { listAllMessages, outline, textOf } from "../support/conversation.js";
import { createTestDatabase, missingPostgres, type TestDatabase } from "../support/postgres.js";
import { isIdle } from "../support/wait.js";
import {
  deltaEvents,
  latestThread,
  type RecordedEvent,
  recordWatch,
  streamedText,
  streamStateEvents,
  type WatchRecording,
} from "../support/watch-recorder.js";

const missing = (await missingNats()) ?? (await missingPostgres());
const skip = missing !== undefined && process.env.CI !== "true";

const CONVERSATIONS = 50;
const CITIES = [
  "Paris",
  "Oslo",
  "Lima",
  "Rome",
  "Cairo",
  "Tokyo",
  "Delhi",
  "Quito",
  "Bern",
  "Dakar",
];
/** Word-sized deltas a few ms apart, so turns are still running when the replica dies. */
const CHUNK_DELAY_MS = 10;
/**
 * Turns heartbeat every 3 s here (30 s in production), so a dead replica's streams count as dead
 * after 4 s (B2/B3, 40 s in production) and the next recovery sweep (every second) takes them
 * over; leases of its jobs end after 30 s. The bound leaves room for a loaded machine.
 */
const HEARTBEAT_INTERVAL_MS = 3_000;
const TAKEOVER_TIMEOUT_MS = 120_000;

interface Conversation {
  threadId: string;
  prompt: string;
  expected: string[][];
}

function conversationFor(index: number): Omit<Conversation, "threadId"> {
  if (index % 2 === 0) {
    const city = CITIES[(index / 2) % CITIES.length] ?? "Paris";
    const prompt = `weather in ${city}`;
    return {
      prompt,
      expected: [
        ["user", `text:${prompt}`],
        [
          "assistant",
          "tool-get_weather:output-available",
          `text:The weather in ${city} is sunny, 22°C.`,
        ],
      ],
    };
  }
  const words = Array.from({ length: 40 }, (_, word) => `w${index}x${word}`).join(" ");
  const prompt = `conversation ${index}: ${words}`;
  return {
    prompt,
    expected: [
      ["user", `text:${prompt}`],
      ["assistant", `text:You said: ${prompt}`],
    ],
  };
}

describe.skipIf(skip)(
  skip
    ? `scaled deployment — SKIPPED: ${missing}`
    : "scaled deployment: 3 replicas on PostgreSQL + NATS",
  { timeout: TAKEOVER_TIMEOUT_MS + 60_000 },
  () => {
    let database: TestDatabase;
    let prefix: string;
    let recordings: WatchRecording[];

    beforeEach(async () => {
      database = await createTestDatabase();
      prefix = randomPrefix();
      recordings = [];
    }, 30_000);

    afterEach(async () => {
      await Promise.all(recordings.map((recording) => recording.stop()));
      await killAllChildServers();
      await killAllRunners();
      await deleteStreams(sharedNatsUrl, prefix);
      await database.drop();
    }, 60_000);

    it("ACCEPTANCE 50 conversations over 3 replicas and 2 runners survive a replica's SIGKILL exactly; watchers on a survivor see every delta (B3 B20 X1)", async () => {
      const replicas: ChildServer[] = await Promise.all(
        [0, 1, 2].map(() =>
          startChildServer({
            store: database.url,
            config: {
              nats: { url: sharedNatsUrl, prefix },
              providers: { demo: { type: "demo", chunkDelayMs: CHUNK_DELAY_MS } },
            },
            env: {
              CRASH_SERVER_RECOVERY_INTERVAL_MS: "1000",
              CRASH_SERVER_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
            },
            startTimeoutMs: 30_000,
          }),
        ),
      );
      await Promise.all(
        ["runner-a", "runner-b"].map((name) =>
          startRunner({ natsUrl: sharedNatsUrl, prefix, name, demo: true }),
        ),
      );
      const [victim, observer] = replicas;
      if (victim === undefined || observer === undefined)
        throw new Error("three replicas expected");
      const anyReplica = () => replicas[Math.floor(Math.random() * replicas.length)] ?? observer;

      // Threads are created idle on random replicas, watched on the observer from their start,
      // then started on random replicas: every SendMessage is acknowledged before the kill.
      const conversations: Conversation[] = await Promise.all(
        Array.from({ length: CONVERSATIONS }, async (_, index) => {
          const { thread } = await anyReplica().threads.createThread({ agent: "demo" });
          const threadId = thread?.threadId ?? "";
          recordings[index] = await recordWatch(observer.streams, threadId);
          return { threadId, ...conversationFor(index) };
        }),
      );
      // A turn runs on the replica that took its SendMessage when that one has a free turn slot
      // (its stream created taken there); conversation 1, a long answer, is started on the victim.
      const startedOn = await Promise.all(
        conversations.map(async ({ threadId, prompt }, index) => {
          const replica = index === 1 ? victim : anyReplica();
          await replica.threads.sendMessage({
            threadId,
            content: { case: "prompt", value: prompt },
          });
          return replica;
        }),
      );

      // Kill the victim while one of its long answers streams: a delta of it reached the
      // observer and its stream has not ended. (Waiting for a number of deltas across all
      // conversations instead let the kill land once the victim's turns were all over.)
      const streamingNow = (events: readonly RecordedEvent[]) => {
        const last = deltaEvents(events).at(-1);
        return (
          last !== undefined &&
          !streamStateEvents(events).some(
            (state) =>
              state.streamSeq === last.streamSeq &&
              (state.status === StreamStatus.FINISHED || state.status === StreamStatus.ABORTED),
          )
        );
      };
      const longAnswersOnVictim = conversations.flatMap((conversation, index) =>
        startedOn[index] === victim && conversation.prompt.startsWith("conversation ")
          ? [recordings[index]]
          : [],
      );
      await Promise.any(
        longAnswersOnVictim.map((recording) =>
          recording?.until(streamingNow, "a delta of a turn streaming on the victim", 30_000),
        ),
      );
      await victim.kill();

      await Promise.all(
        recordings.map((recording) =>
          recording.until(
            (events) => {
              const thread = latestThread(events);
              return thread !== undefined && isIdle(thread);
            },
            "the end of the conversation",
            TAKEOVER_TIMEOUT_MS,
          ),
        ),
      );

      let abortedStreams = 0;
      for (const [index, conversation] of conversations.entries()) {
        const recording = recordings[index];
        if (recording === undefined) throw new Error("every conversation has a recording");
        expect(latestThread(recording.events)?.status).toBe(ThreadStatus.COMPLETED);
        const messages = await listAllMessages(observer.threads, conversation.threadId);
        expect(outline(messages), conversation.prompt).toEqual(conversation.expected);

        // Every delta the store holds reached the watcher once, in order, whichever replica wrote it.
        const watched = deltaEvents(recording.events);
        const stored = await storedDeltaKeys(observer, conversation.threadId);
        expect(watched.map((delta) => `${delta.streamSeq}:${delta.deltaSeq}`)).toEqual(stored);

        // The committed answer is exactly what the streams that finished streamed.
        const states = streamStateEvents(recording.events);
        const aborted = new Set(
          states
            .filter((state) => state.status === StreamStatus.ABORTED)
            .map((state) => state.streamSeq),
        );
        abortedStreams += aborted.size;
        const finishedDeltas = watched.filter((delta) => !aborted.has(delta.streamSeq));
        expect(streamedText(finishedDeltas)).toBe(textOf(messages.at(-1)));
      }
      // The kill landed mid-turn: the victim's turns were abandoned and taken over (B2 "expired").
      expect(abortedStreams).toBeGreaterThan(0);
    });
  },
);

/** The (stream seq, delta seq) of every stored delta of the thread, in cursor order. */
async function storedDeltaKeys(server: ChildServer, threadId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const update of server.streams.streamUpdates({ threadId, historyOnly: true })) {
    if (update.update.case === "delta") {
      keys.push(`${update.update.value.streamSeq}:${update.update.value.deltaSeq}`);
    }
  }
  return keys;
}
