import { parse } from 'lossless-json'

/**
 * Parses a webhook body keeping every number as the exact text it was sent as: order ids are
 * 64-bit (beyond 2^53 a JS number silently changes the last digits) and prices must stay exact
 * decimals. lossless-json (well kept, typed, no dependencies) does this with a `parseNumber`
 * hook, which Node 20's JSON.parse lacks (its reviver gets no `context.source` before Node 21).
 * It also stores a `"__proto__"` key as a plain own property, never as the prototype.
 */
export function parseJsonKeepingNumbers(text: string): unknown {
  return parse(text, null, (source) => source)
}
