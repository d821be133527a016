// Hostile payloads shared by the security tests (built without recursion, so building them cannot
// overflow the test's own stack).

/** `[[[...[]...]]]`, n levels deep. */
export function deepArray(n: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 1; i < n; i++) v = [v];
  return v;
}

/** `{"a":{"a":...}}`, n levels deep. */
export function deepObject(n: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < n; i++) v = { a: v };
  return v;
}

/** The JSON text of deepArray(n), made as text (JSON.stringify would recurse). */
export function deepArrayJson(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

/** A call body whose args nest n levels deep. */
export function deepCallBody(method: string, n: number): string {
  return `{"method":${JSON.stringify(method)},"args":{"echo":${deepArrayJson(n)}}}`;
}

/** A call body with `count` small values: cheap bytes, costly for a parser. */
export function wideCallBody(count: number): string {
  return `{"method":"jobs.start","args":{"kind":"evaluate","params":{"a":[${'1,'.repeat(count - 1)}1]}}}`;
}
