import { describe, expect, it } from "vitest";
import {
  isBusyStatus,
  isIdleStatus,
  isStreamOpen,
  type StreamStatus,
  type ThreadStatus,
} from "./thread-status.js";

describe("thread and stream statuses", () => {
  it.each<{ status: ThreadStatus; busy: boolean; idle: boolean }>([
    { status: "streaming", busy: true, idle: false },
    { status: "awaiting_tool_results", busy: true, idle: false },
    { status: "completed", busy: false, idle: true },
    { status: "failed", busy: false, idle: true },
    { status: "stopped", busy: false, idle: true },
  ])("thread $status: busy=$busy idle=$idle", ({ status, busy, idle }) => {
    expect(isBusyStatus(status)).toBe(busy);
    expect(isIdleStatus(status)).toBe(idle);
  });

  it.each<{ status: StreamStatus; open: boolean }>([
    { status: "pending", open: true },
    { status: "streaming", open: true },
    { status: "finished", open: false },
    { status: "aborted", open: false },
  ])("stream $status: open=$open", ({ status, open }) => {
    expect(isStreamOpen(status)).toBe(open);
  });
});
