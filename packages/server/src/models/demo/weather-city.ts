// Reads the city out of "weather in <City>" (DESIGN §8): the first word after "weather in", plus
// each following word that starts with a capital letter, punctuation dropped.

const WEATHER_IN = /\bweather in\s+/iu;
const EDGE_PUNCTUATION = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;
const TRAILING_PUNCTUATION = /[\p{P}\p{S}]$/u;
const CAPITALISED = /^\p{Lu}/u;

/**
 * The city a message asks the weather for, or undefined when it does not contain
 * `weather in <word>`. "weather in New York?" → "New York", "weather in Oslo please" → "Oslo".
 *
 * A word that ends in punctuation ends the city too ("weather in Paris, France" → "Paris"),
 * because a comma or full stop closes the phrase the user wrote.
 */
export function parseWeatherCity(text: string): string | undefined {
  const match = WEATHER_IN.exec(text);
  if (match === null) return undefined;
  const words = text.slice(match.index + match[0].length).split(/\s+/u);
  const cityWords: string[] = [];
  for (const word of words) {
    const bare = word.replace(EDGE_PUNCTUATION, "");
    if (bare === "") break;
    if (cityWords.length > 0 && !CAPITALISED.test(bare)) break;
    cityWords.push(bare);
    if (TRAILING_PUNCTUATION.test(word)) break;
  }
  return cityWords.length > 0 ? cityWords.join(" ") : undefined;
}
