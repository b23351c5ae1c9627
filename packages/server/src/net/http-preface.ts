/**
 * The HTTP/2 client connection preface (RFC 9113 §3.4). A client speaking HTTP/2 over cleartext
 * with prior knowledge — every gRPC client — starts its connection with these exact bytes; no
 * HTTP/1.x request line can, because "PRI" is not a method any HTTP/1.x client sends.
 */
export const http2ConnectionPreface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Which HTTP version a connection speaks, judged from the bytes received so far. */
export type FirstBytesVerdict = "http2" | "http1" | "undecided";

/**
 * Classifies the first bytes of a connection. "undecided" means every byte so far matches the
 * HTTP/2 preface but it is not complete yet: wait for more. The first differing byte settles
 * HTTP/1.x, so an HTTP/1.x request is never held back for more than its first few bytes.
 */
export function classifyFirstBytes(received: Uint8Array): FirstBytesVerdict {
  const compared = Math.min(received.length, http2ConnectionPreface.length);
  for (let index = 0; index < compared; index++) {
    if (received[index] !== http2ConnectionPreface[index]) return "http1";
  }
  return compared === http2ConnectionPreface.length ? "http2" : "undecided";
}
