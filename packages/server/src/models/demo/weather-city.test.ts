import { describe, expect, it } from "vitest";
import { parseWeatherCity } from "./weather-city.js";

describe("parseWeatherCity (DESIGN §8)", () => {
  it.each([
    ["weather in New York?", "New York"],
    ["weather in Oslo please", "Oslo"],
    ["What's the weather in Oslo?", "Oslo"],
    ["Weather in Paris", "Paris"],
    ["WEATHER IN Berlin today", "Berlin"],
    ["weather in paris", "paris"],
    ["weather in Los Angeles tomorrow", "Los Angeles"],
    ["weather in New York City.", "New York City"],
    ["weather in São Paulo!", "São Paulo"],
    ["weather in Paris, France", "Paris"],
    ['weather in "Oslo" today', "Oslo"],
    ["weather in Rio de Janeiro", "Rio"],
    ["weather in\tTromsø", "Tromsø"],
    ["how is the weather in Stratford-upon-Avon?", "Stratford-upon-Avon"],
  ])("%j → %j", (text, city) => {
    expect(parseWeatherCity(text)).toBe(city);
  });

  it.each([
    ["hello"],
    ["the weather in"],
    ["the weather in   "],
    ["weather inside the house"],
    ["weather in ?"],
  ])("%j has no city", (text) => {
    expect(parseWeatherCity(text)).toBeUndefined();
  });
});
