import { describe, expect, it } from "vitest";
import { isDeltaSequenceError, isDuplicateRecordError, isRecordNotFoundError } from "../errors.js";
import type { DeltaRecord, StreamRecord } from "../records.js";
import type { DeltaPosition, StreamPatch } from "../store.js";
import type { ConformanceContext } from "./conformance-context.js";
import { deltaRecord, newId, streamRecord, T0, toolCallRecord } from "./fixtures.js";
import { rejectionOf, seedStream, seedThread } from "./seed.js";

const cursorOf = (delta: DeltaRecord): DeltaPosition => ({
  streamSeq: delta.streamSeq,
  deltaSeq: delta.deltaSeq,
});

export function describeStreamConformance(context: ConformanceContext): void {
  describe("streams", () => {
    it("round-trips a stream with nullable fields null and with every field set", async () => {
      const thread = await seedThread(context.store);
      const bare = streamRecord(thread.threadId, 1);
      const full = streamRecord(thread.threadId, 2, {
        kind: "tool_outcome",
        status: "aborted",
        lockId: newId("lock"),
        heartbeatAt: T0 + 30_000,
        abortReason: "expired ⏱",
        createdAt: T0 + 1,
        endedAt: T0 + 60_000,
      });
      await context.store.transaction(async (tx) => {
        await tx.insertStream(bare);
        await tx.insertStream(full);
      });
      expect(await context.store.getStream(bare.streamId)).toStrictEqual(bare);
      expect(await context.store.getStream(full.streamId)).toStrictEqual(full);
      expect(await context.store.getStream(newId("stream"))).toBeUndefined();
    });

    it("refuses a second stream with the same id or the same seq in a thread", async () => {
      const thread = await seedThread(context.store);
      const stream = streamRecord(thread.threadId, 1);
      await context.store.transaction((tx) => tx.insertStream(stream));
      const sameId = await rejectionOf(
        context.store.transaction((tx) => tx.insertStream({ ...stream, seq: 2 })),
      );
      const sameSeq = await rejectionOf(
        context.store.transaction((tx) => tx.insertStream(streamRecord(thread.threadId, 1))),
      );
      expect(isDuplicateRecordError(sameId)).toBe(true);
      expect(isDuplicateRecordError(sameSeq)).toBe(true);
    });

    it("lists a thread's streams by seq, filtered by status", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const streams = [
        streamRecord(thread.threadId, 3, { status: "streaming" }),
        streamRecord(thread.threadId, 1, { status: "finished" }),
        streamRecord(thread.threadId, 2, { status: "aborted" }),
        streamRecord(other.threadId, 1, { status: "streaming" }),
      ];
      await context.store.transaction(async (tx) => {
        for (const stream of streams) await tx.insertStream(stream);
      });
      const seqs = async (statuses?: Parameters<typeof context.store.listStreams>[1]) =>
        (await context.store.listStreams(thread.threadId, statuses)).map((stream) => stream.seq);
      expect(await seqs()).toEqual([1, 2, 3]);
      expect(await seqs(["finished", "aborted"])).toEqual([1, 2]);
      expect(await seqs(["pending"])).toEqual([]);
      expect(await seqs([])).toEqual([]);
    });

    it("readThreadActivity reads a thread's open streams by seq and counts its pending calls", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      expect(await context.store.readThreadActivity(thread.threadId)).toStrictEqual({
        openStreams: [],
        pendingToolCallCount: 0,
      });

      const streaming = streamRecord(thread.threadId, 4, {
        status: "streaming",
        lockId: "turn-1",
        heartbeatAt: T0 + 5,
      });
      const pending = streamRecord(thread.threadId, 2, { status: "pending" });
      await context.store.transaction(async (tx) => {
        for (const stream of [
          streaming,
          pending,
          streamRecord(thread.threadId, 1, { status: "finished" }),
          streamRecord(thread.threadId, 3, { status: "aborted" }),
          streamRecord(other.threadId, 1, { status: "streaming" }),
        ]) {
          await tx.insertStream(stream);
        }
        for (const [threadId, status] of [
          [thread.threadId, "pending"],
          [thread.threadId, "pending"],
          [thread.threadId, "completed"],
          [other.threadId, "pending"],
        ] as const) {
          await tx.insertToolCall(toolCallRecord(threadId, { status }));
        }
      });
      expect(
        await context.store.transaction((tx) => tx.readThreadActivity(thread.threadId)),
      ).toStrictEqual({ openStreams: [pending, streaming], pendingToolCallCount: 2 });
      // Pending calls count without open streams too.
      expect(await context.store.readThreadActivity(other.threadId)).toMatchObject({
        pendingToolCallCount: 1,
      });
    });

    it("updateStream applies the patch and leaves the rest", async () => {
      const thread = await seedThread(context.store);
      const stream = streamRecord(thread.threadId, 1);
      await context.store.transaction((tx) => tx.insertStream(stream));
      const taken = await context.store.transaction((tx) =>
        tx.updateStream(stream.streamId, {
          status: "streaming",
          lockId: "lock-1",
          heartbeatAt: T0 + 1,
        }),
      );
      expect(taken).toStrictEqual({
        ...stream,
        status: "streaming",
        lockId: "lock-1",
        heartbeatAt: T0 + 1,
      });
      const ended = await context.store.transaction((tx) =>
        tx.updateStream(stream.streamId, {
          status: "aborted",
          lockId: null,
          abortReason: "stopSignal",
          endedAt: T0 + 2,
        }),
      );
      expect(ended).toStrictEqual({
        ...taken,
        status: "aborted",
        lockId: null,
        abortReason: "stopSignal",
        endedAt: T0 + 2,
      });
      expect(await context.store.getStream(stream.streamId)).toStrictEqual(ended);
      expect(
        await context.store.transaction((tx) => tx.updateStream(stream.streamId, {})),
      ).toStrictEqual(ended);
    });

    it("updateStream of a missing stream throws RecordNotFoundError", async () => {
      for (const patch of [{ status: "finished" as const }, {}]) {
        const error = await rejectionOf(
          context.store.transaction((tx) => tx.updateStream(newId("stream"), patch)),
        );
        expect(isRecordNotFoundError(error)).toBe(true);
      }
    });
  });

  describe("deltas", () => {
    it("appends deltas in sequence, counting them on the stream, and round-trips them", async () => {
      const thread = await seedThread(context.store);
      const { stream, deltas } = await seedStream(context.store, thread.threadId, 1, 3);
      expect((await context.store.getStream(stream.streamId))?.deltaCount).toBe(3);
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(deltas);
    });

    it("refuses a gap, a duplicate and a wrong stream seq with DeltaSequenceError, writing nothing", async () => {
      const thread = await seedThread(context.store);
      const { stream, deltas } = await seedStream(context.store, thread.threadId, 4, 2);
      const attempts = [
        deltaRecord(stream, 3),
        deltaRecord(stream, 1),
        deltaRecord(stream, 2, { streamSeq: 5 }),
      ];
      for (const delta of attempts) {
        const error = await rejectionOf(
          context.store.transaction((tx) => tx.updateStream(delta.streamId, {}, [delta])),
        );
        expect(isDeltaSequenceError(error)).toBe(true);
        expect(error).toMatchObject({
          streamId: stream.streamId,
          streamSeq: delta.streamSeq,
          deltaSeq: delta.deltaSeq,
          expectedStreamSeq: 4,
          expectedDeltaSeq: 2,
        });
      }
      expect((await context.store.getStream(stream.streamId))?.deltaCount).toBe(2);
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(deltas);
    });

    it("inserts a stream with its first deltas, counted (B15), and refuses misplaced ones", async () => {
      const thread = await seedThread(context.store);
      const outcome = streamRecord(thread.threadId, 1, { status: "finished", endedAt: T0 });
      const first = [deltaRecord(outcome, 0)];
      await context.store.transaction((tx) =>
        tx.insertStream({ ...outcome, deltaCount: 1 }, first),
      );
      expect((await context.store.getStream(outcome.streamId))?.deltaCount).toBe(1);
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(first);

      const next = streamRecord(thread.threadId, 2);
      const misplaced = [
        { stream: { ...next, deltaCount: 1 }, deltas: [deltaRecord(next, 1)] },
        { stream: { ...next, deltaCount: 1 }, deltas: [deltaRecord(next, 0, { streamSeq: 3 })] },
        { stream: { ...next, deltaCount: 2 }, deltas: [deltaRecord(next, 0)] },
        {
          stream: { ...next, deltaCount: 2 },
          deltas: [deltaRecord(next, 0), deltaRecord(next, 2)],
        },
      ];
      for (const { stream, deltas } of misplaced) {
        const error = await rejectionOf(
          context.store.transaction((tx) => tx.insertStream(stream, deltas)),
        );
        expect(isDeltaSequenceError(error)).toBe(true);
      }
      expect(await context.store.getStream(next.streamId)).toBeUndefined();
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(first);
    });

    it("places a stream's last deltas in the update that ends it (B5 B7), or refuses them", async () => {
      const thread = await seedThread(context.store);
      const { stream, deltas } = await seedStream(context.store, thread.threadId, 1, 1);
      const end: StreamPatch = { status: "finished", endedAt: T0 + 5 };
      const stale = await rejectionOf(
        context.store.transaction((tx) =>
          tx.updateStream(stream.streamId, end, [deltaRecord(stream, 0)]),
        ),
      );
      expect(isDeltaSequenceError(stale)).toBe(true);
      expect(stale).toMatchObject({ expectedStreamSeq: 1, expectedDeltaSeq: 1 });
      expect(await context.store.getStream(stream.streamId)).toStrictEqual(stream);

      const last = [deltaRecord(stream, 1), deltaRecord(stream, 2)];
      const ended = await context.store.transaction((tx) =>
        tx.updateStream(stream.streamId, end, last),
      );
      expect(ended).toStrictEqual({ ...stream, ...end, deltaCount: 3 });
      expect(await context.store.getStream(stream.streamId)).toStrictEqual(ended);
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual([
        ...deltas,
        ...last,
      ]);
      const missing = deltaRecord(streamRecord(thread.threadId, 2), 0);
      const error = await rejectionOf(
        context.store.transaction((tx) => tx.updateStream(missing.streamId, end, [missing])),
      );
      expect(isRecordNotFoundError(error)).toBe(true);
    });

    it("refuses a delta of an unknown stream, or of another thread's stream, with RecordNotFoundError", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      const { stream } = await seedStream(context.store, thread.threadId, 1, 0);
      const unknown = deltaRecord(streamRecord(thread.threadId, 2), 0);
      const foreign = deltaRecord(stream, 0, { threadId: other.threadId });
      for (const delta of [unknown, foreign]) {
        const error = await rejectionOf(
          context.store.transaction((tx) => tx.updateStream(delta.streamId, {}, [delta])),
        );
        expect(isRecordNotFoundError(error)).toBe(true);
      }
    });

    describe("appendOwnedDelta (B3)", () => {
      const LOCK = "lock-of-the-turn";

      /** A thread whose active stream is streaming under LOCK, with `overrides` applied. */
      async function seedOwnedStream(
        overrides: { stream?: Partial<StreamRecord>; activeStreamId?: string | null } = {},
      ) {
        const streamId = newId("stream");
        const thread = await seedThread(context.store, {
          status: "streaming",
          activeStreamId:
            overrides.activeStreamId === undefined ? streamId : overrides.activeStreamId,
        });
        const stream = streamRecord(thread.threadId, 1, {
          streamId,
          status: "streaming",
          lockId: LOCK,
          ...overrides.stream,
        });
        await context.store.transaction((tx) => tx.insertStream(stream));
        return stream;
      }

      it("appends in sequence while the writer owns the stream", async () => {
        const stream = await seedOwnedStream();
        const deltas = [deltaRecord(stream, 0), deltaRecord(stream, 1)];
        for (const delta of deltas) {
          expect(await context.store.transaction((tx) => tx.appendOwnedDelta(delta, LOCK))).toBe(
            true,
          );
        }
        expect((await context.store.getStream(stream.streamId))?.deltaCount).toBe(2);
        expect(await context.store.listDeltas(stream.threadId, { limit: 100 })).toStrictEqual(
          deltas,
        );
      });

      it("writes nothing and returns false when the writer does not own the stream", async () => {
        const notOwned = [
          await seedOwnedStream({ stream: { lockId: "another-turn" } }),
          await seedOwnedStream({ stream: { lockId: null, status: "pending" } }),
          await seedOwnedStream({ stream: { status: "aborted", abortReason: "stopSignal" } }),
          await seedOwnedStream({ stream: { status: "finished", endedAt: T0 } }),
          await seedOwnedStream({ activeStreamId: null }),
          await seedOwnedStream({ activeStreamId: newId("stream") }),
        ];
        for (const stream of notOwned) {
          const appended = await context.store.transaction((tx) =>
            tx.appendOwnedDelta(deltaRecord(stream, 0), LOCK),
          );
          expect(appended).toBe(false);
          expect((await context.store.getStream(stream.streamId))?.deltaCount).toBe(0);
          expect(await context.store.listDeltas(stream.threadId, { limit: 100 })).toStrictEqual([]);
        }
        const unknown = deltaRecord(streamRecord((await seedThread(context.store)).threadId, 1), 0);
        expect(await context.store.transaction((tx) => tx.appendOwnedDelta(unknown, LOCK))).toBe(
          false,
        );
      });

      it("refuses a misplaced delta of an owned stream with DeltaSequenceError", async () => {
        const stream = await seedOwnedStream();
        await context.store.transaction((tx) => tx.appendOwnedDelta(deltaRecord(stream, 0), LOCK));
        for (const delta of [deltaRecord(stream, 0), deltaRecord(stream, 2)]) {
          const error = await rejectionOf(
            context.store.transaction((tx) => tx.appendOwnedDelta(delta, LOCK)),
          );
          expect(isDeltaSequenceError(error)).toBe(true);
          expect(error).toMatchObject({ expectedStreamSeq: 1, expectedDeltaSeq: 1 });
        }
        expect((await context.store.getStream(stream.streamId))?.deltaCount).toBe(1);
      });
    });

    it("lists a thread's deltas by (streamSeq, deltaSeq) after a cursor and from a seq", async () => {
      const thread = await seedThread(context.store);
      const other = await seedThread(context.store);
      // Streams inserted out of seq order: the listing orders by seq, not by insertion.
      const second = await seedStream(context.store, thread.threadId, 2, 2);
      const first = await seedStream(context.store, thread.threadId, 1, 3);
      await seedStream(context.store, other.threadId, 1, 2);
      const all = [...first.deltas, ...second.deltas];

      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(all);
      expect(
        await context.store.listDeltas(thread.threadId, {
          after: cursorOf(all[1] as DeltaRecord),
          limit: 100,
        }),
      ).toStrictEqual(all.slice(2));
      expect(
        await context.store.listDeltas(thread.threadId, {
          after: cursorOf(all[2] as DeltaRecord),
          limit: 100,
        }),
      ).toStrictEqual(second.deltas);
      expect(
        await context.store.listDeltas(thread.threadId, { fromSeq: 2, limit: 100 }),
      ).toStrictEqual(second.deltas);
      expect(
        await context.store.listDeltas(thread.threadId, {
          fromSeq: 2,
          after: { streamSeq: 2, deltaSeq: 0 },
          limit: 100,
        }),
      ).toStrictEqual(second.deltas.slice(1));
      expect(await context.store.listDeltas(thread.threadId, { fromSeq: 3, limit: 100 })).toEqual(
        [],
      );
      // A cursor at the end of a stream, however far, as StreamUpdates sends it: MAX_SAFE_INTEGER.
      expect(
        await context.store.listDeltas(thread.threadId, {
          after: { streamSeq: 1, deltaSeq: Number.MAX_SAFE_INTEGER },
          limit: 100,
        }),
      ).toStrictEqual(second.deltas);
    });

    it("pages through deltas by cursor without gaps or repeats", async () => {
      const thread = await seedThread(context.store);
      const first = await seedStream(context.store, thread.threadId, 1, 5);
      const second = await seedStream(context.store, thread.threadId, 2, 4);
      const seen: DeltaRecord[] = [];
      let after: DeltaPosition | undefined;
      for (;;) {
        const page = await context.store.listDeltas(thread.threadId, { after, limit: 2 });
        if (page.length === 0) break;
        seen.push(...page);
        after = cursorOf(page.at(-1) as DeltaRecord);
      }
      expect(seen).toStrictEqual([...first.deltas, ...second.deltas]);
    });

    it("deleteEndedStreams removes ended streams up to the time and the limit, with their deltas", async () => {
      const thread = await seedThread(context.store);
      const streams = await Promise.all(
        [1, 2, 3, 4, 5].map((seq) => seedStream(context.store, thread.threadId, seq, 2)),
      );
      const [finished, aborted, recent, open, pending] = streams.map((seeded) => seeded.stream);
      const end = async (seq: number, status: "finished" | "aborted", endedAt: number) => {
        const stream = streams[seq - 1]?.stream;
        if (stream === undefined) throw new Error(`no stream ${seq}`);
        await context.store.transaction((tx) =>
          tx.updateStream(stream.streamId, { status, endedAt }),
        );
      };
      await end(1, "finished", T0);
      await end(2, "aborted", T0 + 10);
      await end(3, "finished", T0 + 1000);
      await context.store.transaction((tx) =>
        tx.updateStream(open?.streamId ?? "", { status: "streaming", heartbeatAt: T0 }),
      );

      expect(await context.store.deleteEndedStreams(T0 + 10, 1)).toBe(1);
      expect(await context.store.deleteEndedStreams(T0 + 10, 10)).toBe(1);
      expect(await context.store.deleteEndedStreams(T0 + 10, 10)).toBe(0);

      for (const gone of [finished, aborted]) {
        expect(await context.store.getStream(gone?.streamId ?? "")).toBeUndefined();
      }
      for (const kept of [recent, open, pending]) {
        expect(await context.store.getStream(kept?.streamId ?? "")).toBeDefined();
      }
      const deltas = await context.store.listDeltas(thread.threadId, { limit: 100 });
      expect(deltas.map((delta) => delta.streamSeq)).toEqual([3, 3, 4, 4, 5, 5]);
    });

    it("listSilentStreams lists streaming streams silent since the time, by heartbeat, in pages", async () => {
      const thread = await seedThread(context.store);
      const seeded = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((seq) => seedStream(context.store, thread.threadId, seq, 0)),
      );
      const [oldest, tiedA, tiedB, fresh, finished] = seeded.map(({ stream }) => stream);
      const set = (stream: StreamRecord | undefined, patch: StreamPatch) =>
        context.store.transaction((tx) => tx.updateStream(stream?.streamId ?? "", patch));
      await set(oldest, { status: "streaming", heartbeatAt: T0 });
      await set(tiedA, { status: "streaming", heartbeatAt: T0 + 5 });
      await set(tiedB, { status: "streaming", heartbeatAt: T0 + 5 });
      await set(fresh, { status: "streaming", heartbeatAt: T0 + 6 });
      await set(finished, { status: "finished", heartbeatAt: T0, endedAt: T0 + 1 });
      // The sixth stays pending, never heartbeated.
      const ids = (streams: StreamRecord[]) => streams.map((stream) => stream.streamId);
      const tied = [tiedA?.streamId ?? "", tiedB?.streamId ?? ""].sort();

      const all = await context.store.listSilentStreams(T0 + 5, undefined, 10);
      expect(ids(all)).toEqual([oldest?.streamId, ...tied]);
      const first = await context.store.listSilentStreams(T0 + 5, undefined, 2);
      expect(ids(first)).toEqual([oldest?.streamId, tied[0]]);
      const second = await context.store.listSilentStreams(
        T0 + 5,
        { heartbeatAt: T0 + 5, streamId: tied[0] ?? "" },
        2,
      );
      expect(ids(second)).toEqual([tied[1]]);
      expect(await context.store.listSilentStreams(T0 - 1, undefined, 10)).toEqual([]);
    });

    it("deleteStream removes the stream and its deltas only", async () => {
      const thread = await seedThread(context.store);
      const doomed = await seedStream(context.store, thread.threadId, 1, 3);
      const kept = await seedStream(context.store, thread.threadId, 2, 2);
      await context.store.transaction((tx) => tx.deleteStream(doomed.stream.streamId));
      expect(await context.store.getStream(doomed.stream.streamId)).toBeUndefined();
      expect(await context.store.getStream(kept.stream.streamId)).toStrictEqual(kept.stream);
      expect(await context.store.listDeltas(thread.threadId, { limit: 100 })).toStrictEqual(
        kept.deltas,
      );
    });
  });
}
