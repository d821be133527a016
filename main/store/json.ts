// JSON columns (job params and results, run configs, sample meta, ...): written with
// JSON.stringify by the repositories, read back defensively — a hand-edited or truncated row must
// not take a listing down with it.

/** The parsed value, or `fallback` when the column is NULL or not JSON. */
export function parseJson(text: string | null | undefined, fallback: unknown): unknown {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/** A JSON object column; anything else (NULL, unreadable, an array) reads as {}. */
export function parseObject(text: string | null | undefined): Record<string, unknown> {
  const v = parseJson(text, null);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
