// fast-check arbitraries for the Api fuzz, from the contract's own zod schemas: each method's
// argument schema as JSON Schema (z.toJSONSchema, the input side), turned into values of the right
// shape, then broken in one place. Refinements JSON Schema cannot say are left to the oracle: the
// same zod schema, run here, says whether a payload is wrong.
import fc from 'fast-check';
import { z } from 'zod';
import { API_BOUNDS, apiMethods, type ApiMethodName } from '../../../../shared/api/index.js';
import { deepArray, deepObject } from './payloads.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

const small = fc.jsonValue({ maxDepth: 2 });

/** Values of the shape a JSON Schema describes (bounds on sizes kept small: this is about shape). */
export function shaped(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((s) => shaped(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.string({ minLength: Math.min(schema.minLength ?? 0, 8), maxLength: Math.min(schema.maxLength ?? 12, 12) });
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1000, schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1e9, -1e6);
      return fc.integer({ min, max: Math.max(min, Math.min(schema.maximum ?? 1000, 1e6)) });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? shaped(schema.items, depth + 1) : small, { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      if (props.length === 0) return fc.dictionary(fc.string({ maxLength: 6 }), small, { maxKeys: 3 });
      const required = new Set(schema.required ?? []);
      const model = Object.fromEntries(props.map(([k, s]) => [k, shaped(s, depth + 1)]));
      return fc.record(model, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
    }
    default:
      return small;
  }
}

/** Every path to a value inside `v` (objects and arrays), the root included. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(v)) {
    const copy = [...(v as unknown[])];
    copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(v as Record<string, unknown>) };
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

/** What replaces a value to make it wrong: other types, out-of-range numbers, odd strings, too deep. */
const wrongLeaf = fc.oneof(
  fc.constantFrom<unknown>(null, true, -1, 0, 1.5, -1e300, 2 ** 53, '', 'x', '\u0000', '\uD800', '💥'.repeat(50), [], {}, [[[]]], { __proto__: 1 }),
  fc.string({ maxLength: 5000 }),
  fc.constant(deepArray(70)),
  fc.constant('a'.repeat(100_000)),
);

export type Mutation = { kind: 'replace'; path: (string | number)[]; value: unknown } | { kind: 'extra-key'; key: string } | { kind: 'drop-key'; key: string };

/** A value of the method's argument shape with exactly one thing wrong. */
export function brokenArgs(method: ApiMethodName): fc.Arbitrary<{ args: unknown; mutation: Mutation }> {
  const schema = z.toJSONSchema(apiMethods[method].args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return shaped(schema).chain((valid) => {
    const options: fc.Arbitrary<{ args: unknown; mutation: Mutation }>[] = [
      fc.tuple(fc.constantFrom(...paths(valid)), wrongLeaf).map(([path, value]) => ({ args: setAt(valid, path, value), mutation: { kind: 'replace', path, value } as Mutation })),
    ];
    if (valid !== null && typeof valid === 'object' && !Array.isArray(valid)) {
      options.push(fc.string({ minLength: 1, maxLength: 8 }).map((key) => ({ args: { ...valid, [`zz${key}`]: 1 }, mutation: { kind: 'extra-key', key } as Mutation })));
      const keys = Object.keys(valid);
      if (keys.length > 0) {
        options.push(
          fc.constantFrom(...keys).map((key) => {
            const { [key]: _dropped, ...rest } = valid as Record<string, unknown>;
            return { args: rest, mutation: { kind: 'drop-key', key } as Mutation };
          }),
        );
      }
    }
    return fc.oneof(...options);
  });
}

/** A wide object: many keys, over the bound on values (costly to clone: used in few runs). */
export function wideObject(keys: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < keys; i++) o[`k${i}`] = 0;
  return o;
}

/**
 * The method's argument shape with one place replaced by an object nested past the depth bound —
 * an object, so a `record` (jobs.start's params) takes it and only the bound can refuse it. At most
 * 1000 levels: structured clone (in-process, IPC) recurses and cannot carry much deeper.
 */
export function tooDeepArgs(method: ApiMethodName): fc.Arbitrary<unknown> {
  const schema = z.toJSONSchema(apiMethods[method].args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const deep = fc.integer({ min: API_BOUNDS.maxDepth + 1, max: 1000 }).map((n) => deepObject(n) as unknown);
  return shaped(schema).chain((valid) => fc.tuple(fc.constantFrom(...paths(valid)), deep).map(([path, value]) => setAt(valid, path, value)));
}

/** Anything at all as arguments: JSON of any shape, odd numbers and strings, deep and wide values. */
export const anyArgs: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: false, withMap: false, withSet: false }) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 3000 }).map((n) => ({ echo: deepArray(n) })) },
  { weight: 1, arbitrary: fc.integer({ min: 200_001, max: 250_000 }).map((n) => ({ echo: new Array<number>(n).fill(0) })) },
);

/** Runs per method and property: small by default (a few seconds per transport), more with RIC_FUZZ_RUNS. */
export const FUZZ_RUNS = Number(process.env.RIC_FUZZ_RUNS ?? 12);
export const FUZZ_SEED = Number(process.env.RIC_FUZZ_SEED ?? 20261005);
