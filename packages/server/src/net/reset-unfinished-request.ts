import { constants, type ServerHttp2Stream } from "node:http2";

/**
 * Once the response on `stream` is complete, resets the stream with NO_ERROR if the client has
 * not finished its request yet (RFC 9113 §8.1 allows exactly this; grpc-go's server does the
 * same). Without it a stream whose handler has answered stays half-open for as long as the
 * client keeps its request side open — a bidi client that never half-closes would hold a
 * graceful close until its drain timeout.
 */
export function resetUnfinishedRequestAfterResponse(stream: ServerHttp2Stream): void {
  stream.once("wantTrailers", () => {
    // Node's compatibility response, which connect uses, answers "wantTrailers" with
    // sendTrailers(), and that submits the trailers in a setImmediate. Its listener was added
    // before this one, so this immediate runs after the trailers are queued, and the reset
    // queued now goes out after them: the client still receives the complete response.
    setImmediate(() => {
      if (!stream.closed && stream.state.remoteClose !== 1) {
        stream.close(constants.NGHTTP2_NO_ERROR);
      }
    });
  });
}
