// The messages between the engine's thread and its tensor workers (worker_threads, structured clone).
// Both sides parse what arrives with these schemas before acting on it: a worker's reply is data from
// another thread that may be half-dead (out of memory, a wasm abort), never trusted by its shape.
// A call names a handler; each handler has one spec here — its arguments, its result and, when it
// reports midway (the data-parallel forward pass hands back embeddings before it blocks for their
// gradients), its event — so the pool checks a reply against exactly what that handler promised.
import { z } from 'zod';

/** Longest error text kept from a worker (a stack can be huge). */
const MAX_TEXT = 20_000;

export const toWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int().nonnegative(), fn: z.string().min(1).max(100), args: z.unknown() }),
  z.object({ type: z.literal('close') }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

export const fromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: z.string().max(40) }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), value: z.unknown() }),
  z.object({ type: z.literal('event'), id: z.number().int().nonnegative(), payload: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int().nonnegative(), message: z.string().max(MAX_TEXT), stack: z.string().max(MAX_TEXT).nullable() }),
  z.object({ type: z.literal('fatal'), message: z.string().max(MAX_TEXT) }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;

/** What a worker is started with. */
export const workerDataSchema = z.object({ backend: z.enum(['wasm', 'cpu']), index: z.number().int().nonnegative() });
export type WorkerData = z.infer<typeof workerDataSchema>;

/** One worker-side handler's contract. */
export interface HandlerSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, E extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly args: A;
  readonly result: R;
  readonly event?: E;
}

export function handlerSpec<A extends z.ZodType, R extends z.ZodType, E extends z.ZodType = z.ZodNever>(spec: { name: string; args: A; result: R; event?: E }): HandlerSpec<A, R, E> {
  return spec;
}

/** Parses `value` or throws an Error that says which message of which worker was wrong and where. */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${what}: malformed (field "${issue?.path.join('.') || '(root)'}": ${issue?.message ?? 'invalid'})`);
  }
  return r.data;
}

// Typed arrays that cross threads, with size bounds (a length is checked against its shape where one is given).
const MAX_FLOATS = 2 ** 28; // 1 GiB of float32
// (Views on shared memory count: a cached feature row is one.)
export const float32Array = z.custom<Float32Array>((a) => a instanceof Float32Array && a.length <= MAX_FLOATS, 'expected a Float32Array of at most 2^28 values');
export const int32Array = z.custom<Int32Array>((a) => a instanceof Int32Array && a.length <= MAX_FLOATS, 'expected an Int32Array of at most 2^28 values');
export const uint8Array = z.custom<Uint8Array>((a) => a instanceof Uint8Array && a.length <= 4 * MAX_FLOATS, 'expected a Uint8Array of at most 2^30 bytes');

/** Decoded 8-bit RGB (training/types.ts RgbImage), at most 16384 px a side. */
export const rgbImageSchema = z
  .object({ width: z.number().int().min(1).max(16384), height: z.number().int().min(1).max(16384), data: uint8Array })
  .refine((i) => i.data.length === i.width * i.height * 3, 'image data length is not width × height × 3');

/** The generic per-item task call (tasks.ts): a registered task, its model folders by role, a chunk of items. */
export const runTaskSpec = handlerSpec({
  name: 'task.run',
  args: z.object({ task: z.string().min(1).max(100), models: z.record(z.string().max(64), z.string().max(4096)), items: z.array(z.unknown()).max(1_000_000) }),
  result: z.array(z.unknown()),
});

/** Frees a worker's cached model folders (between uses of the pool for different models). */
export const releaseModelsSpec = handlerSpec({ name: 'models.release', args: z.object({}), result: z.object({ released: z.number().int() }) });

/** tf.memory() of a worker, for tests (tensors flat across calls) and the resources panel. */
export const memorySpec = handlerSpec({
  name: 'memory',
  args: z.object({}),
  result: z.object({ numTensors: z.number().int(), numBytes: z.number(), wasmHeapBytes: z.number().nullable() }),
});
