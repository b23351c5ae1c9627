// useSmoothText: streamed text revealed at an even pace instead of in the bursts deltas arrive in
// (B5 writes them every throttleMs). The pace adapts: at least `charsPerSec`, faster when text
// piles up, so the shown text trails the received text by about `maxLagMs` at most.
import { useEffect, useRef, useState } from "react";

export interface SmoothTextOptions {
  /** charsPerSec is the slowest pace. @default 240 */
  charsPerSec?: number;
  /** maxLagMs is about how far the shown text may trail the received text. @default 600 */
  maxLagMs?: number;
  /**
   * startStreaming reveals the initial text gradually too; by default text present at the first
   * render (e.g. a committed message) shows at once.
   * @default false
   */
  startStreaming?: boolean;
}

/** How often the shown text grows, in ms (about 30 frames a second). */
const FRAME_MS = 33;

interface Revealed {
  /** The text the cursor was computed for. */
  text: string;
  cursor: number;
}

/**
 * How much of `text` stays shown after `revealed`: all of it while `text` continues the revealed
 * text, else their common prefix (the text was replaced, e.g. by another message's).
 */
function keptCursor(revealed: Revealed, text: string): number {
  if (revealed.text === text) return revealed.cursor;
  const shown = revealed.text.slice(0, revealed.cursor);
  if (text.startsWith(shown)) return shown.length;
  let common = 0;
  while (common < shown.length && shown[common] === text[common]) common += 1;
  return common;
}

/**
 * Returns the part of `text` to show now and where it stands: `cursor` is the shown length,
 * `isStreaming` is true while the shown text trails `text`.
 */
export function useSmoothText(
  text: string,
  options: SmoothTextOptions = {},
): [string, { cursor: number; isStreaming: boolean }] {
  const { charsPerSec = 240, maxLagMs = 600, startStreaming = false } = options;
  const [revealed, setRevealed] = useState<Revealed>(() => ({
    text,
    cursor: startStreaming ? 0 : text.length,
  }));
  const pace = useRef({ budget: 0, lastTickAt: 0, cursor: 0 });
  const cursor = keptCursor(revealed, text);
  const isStreaming = cursor < text.length;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `cursor` is read when the text changes, not followed: the interval advances it itself.
  useEffect(() => {
    if (!isStreaming) return;
    // The interval counts from what is shown now; each text change restarts it from there.
    pace.current.cursor = cursor;
    pace.current.lastTickAt = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      const elapsedMs = now - pace.current.lastTickAt;
      pace.current.lastTickAt = now;
      const backlog = text.length - pace.current.cursor;
      pace.current.budget += elapsedMs * Math.max(charsPerSec / 1000, backlog / maxLagMs);
      const step = Math.floor(pace.current.budget);
      pace.current.budget -= step;
      if (step === 0) return;
      const next = Math.min(text.length, pace.current.cursor + step);
      pace.current.cursor = next;
      setRevealed({ text, cursor: next });
      if (next >= text.length) clearInterval(timer);
    }, FRAME_MS);
    return () => clearInterval(timer);
  }, [text, isStreaming, charsPerSec, maxLagMs]);

  return [text.slice(0, cursor), { cursor, isStreaming }];
}
