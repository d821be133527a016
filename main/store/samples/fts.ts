// Turns what a person types into a safe SQLite FTS5 query: every term quoted (so AND, NEAR, column
// filters, quotes and stray punctuation in the input mean nothing special), all terms required, and
// the last one matched as a prefix so results follow the typing.

const TERM_RE = /[\p{L}\p{N}_]+/gu;
const MAX_TERMS = 16;

/** The FTS5 MATCH expression for a search box's text, or null when it holds no searchable term. */
export function ftsQuery(text: string): string | null {
  const terms = (text.normalize('NFKC').match(TERM_RE) ?? []).slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
}
