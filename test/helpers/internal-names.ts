// What a person must never read (issue 17): the Api's method names ("settings.update"), the schema
// library's wording ("Invalid input: expected string"), class names of errors ("TypeError",
// "ApiCallError"), stack frames ("at fn (/app/main/x.js:12:5)") and values that leaked unformatted
// ("[object Object]", "undefined", "NaN"). The e2e runs scan every text the page showed and every
// line `ric serve` printed; the CLI tests scan stderr.
import { apiMethodNames } from '../../shared/api/index.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'an Api method name', re: new RegExp(`(?<![\\w./-])(?:${apiMethodNames.map(escape).join('|')})(?![\\w/-])`) },
  { what: "the schema library's wording", re: /Invalid (?:input|option|type|enum value)|Unrecognized key|expected (?:string|number|int|boolean|object|array), received|Too (?:small|big):/ },
  { what: 'an error class name', re: /\b(?:[A-Z][A-Za-z]*)?(?:Error|Exception)\b(?=[:\s]|$)/ },
  { what: 'a stack frame', re: /\bat (?:[\w$.<>\s[\]]+ )?\(?(?:file:\/\/|node:|\/)[^\s()]*:\d+:\d+\)?/ },
  { what: 'an unformatted value', re: /\[object Object\]|\bundefined\b|\bNaN\b/ },
];

export interface InternalName {
  what: string;
  match: string;
  line: string;
}

/** Every line of `text` that shows an internal name, with what it is. */
export function internalNames(text: string): InternalName[] {
  const found: InternalName[] = [];
  for (const line of text.split('\n')) {
    for (const p of PATTERNS) {
      const m = p.re.exec(line);
      if (m) found.push({ what: p.what, match: m[0], line: line.trim().slice(0, 300) });
    }
  }
  return found;
}
