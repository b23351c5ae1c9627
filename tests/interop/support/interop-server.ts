// The server the interop tests talk to: the embedded default with the demo agent (DESIGN §8),
// redefined only so its answers stream word by word and are saved every 20 ms (B5). A long answer
// then spans many deltas, so a client can stop reading in the middle of it and resume.
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../../support/test-server.js";

/** The repository's `proto/` directory, the only include path a client needs. */
export const PROTO_ROOT = fileURLToPath(new URL("../../../proto", import.meta.url));

export const INTEROP_SERVER_CONFIG = {
  providers: { demo: { type: "demo", chunkDelayMs: 5 } },
  agents: [
    {
      name: "demo",
      model: "demo:echo",
      tools: ["get_weather", "request_approval"],
      streaming: { saveDeltas: true, throttleMs: 20, includeToolInputDeltas: false },
    },
  ],
};

/** The demo conversation with a tool call (§8): the prompt and the final sentence. */
export const WEATHER_PROMPT = "weather in Paris";
export const WEATHER_ANSWER = "The weather in Paris is sunny, 22°C.";

/** A prompt whose echo streams as dozens of deltas (§8: "You said: <the message>"). */
export const LONG_PROMPT = Array.from({ length: 100 }, (_, index) => `word${index + 1}`).join(" ");
export const LONG_ANSWER = `You said: ${LONG_PROMPT}`;

export interface InteropServer extends TestServer {
  /** `host:port`, the target a stock gRPC client dials. */
  address: string;
  /** `http://host:port`, the base URL of the Connect and gRPC-Web protocols. */
  baseUrl: string;
}

export async function startInteropServer(): Promise<InteropServer> {
  const test = await startTestServer({ config: INTEROP_SERVER_CONFIG });
  const baseUrl = test.server.url;
  return { ...test, address: new URL(baseUrl).host, baseUrl };
}
