// Reading Prometheus `/metrics` in tests (X6): scrapes over HTTP/1.1 and over HTTP/2, and finds a
// sample by name and labels in the text format.
import { connect } from "node:http2";

/** `GET <url>` over HTTP/1.1 (fetch); fails on a status other than 200. */
export async function scrapeHttp1(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

/** `GET <url>` over cleartext HTTP/2 (h2c with prior knowledge, as gRPC clients connect). */
export async function scrapeHttp2(url: string): Promise<string> {
  const { origin, pathname } = new URL(url);
  const session = connect(origin);
  try {
    const stream = session.request({ ":path": pathname });
    stream.end();
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      stream.once("response", resolve);
      stream.once("error", reject);
    });
    let body = "";
    for await (const chunk of stream) body += String(chunk);
    if (headers[":status"] !== 200) throw new Error(`h2 GET ${url} answered ${headers[":status"]}`);
    return body;
  } finally {
    session.close();
  }
}

/** Parses `a="x",b="y"` (values without escapes, as our label values are). */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/(\w+)="([^"]*)"/gu)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) labels[name] = value;
  }
  return labels;
}

/**
 * The value of the sample `name` whose labels are exactly `labels`; undefined when there is
 * none. Histogram series are named with their suffix (`_count`, `_sum`, `_bucket`).
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const match = /^(?<name>[a-zA-Z_:][\w:]*)(?:\{(?<labels>[^}]*)\})? (?<value>\S+)/u.exec(line);
    if (match?.groups?.name !== name) continue;
    const found = JSON.stringify(Object.entries(parseLabels(match.groups.labels ?? "")).sort());
    if (found === wanted) return Number(match.groups.value);
  }
  return undefined;
}

/**
 * Scrapes `url` until `accept` holds for the text, or fails at the deadline with the last text:
 * counters are updated after the commits a test waits on, so a first scrape may be early.
 */
export async function scrapeUntil(
  url: string,
  accept: (text: string) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  for (;;) {
    text = await scrapeHttp1(url);
    if (accept(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`/metrics did not show ${what} within ${timeoutMs} ms:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
