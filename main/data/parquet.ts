// Streaming parquet rows one row group at a time with hyparquet: 16 GB of HumanEdit shards never sit
// in memory at once. Image columns are Hugging Face `Image` structs {bytes, path}; plain binary
// columns are accepted too.
import fs from 'node:fs';
import path from 'node:path';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { messageOf } from './source.js';

/** A string column value that was not valid UTF-8; kept as bytes so the importer can report it. */
export class InvalidUtf8 {
  constructor(readonly bytes: Uint8Array) {}
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const parsers = {
  stringFromBytes(bytes: Uint8Array | undefined): unknown {
    if (bytes === undefined || bytes === null) return bytes;
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return new InvalidUtf8(bytes);
    }
  },
};

/** `path` itself when it is a .parquet file, else every .parquet file below it, in name order. */
export function parquetFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.parquet')) out.push(p);
    }
  };
  walk(target);
  return out;
}

export interface OpenParquet {
  file: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  rows: number;
}

/** Reads a file's footer; a truncated or non-parquet file fails here with a message naming it. */
export async function openParquet(file: string): Promise<OpenParquet> {
  // hyparquet loads on first use: the Api's handlers reach this module, and every `ric` start paid for it.
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
  const buffer = await asyncBufferFromFile(file);
  try {
    const metadata = await parquetMetadataAsync(buffer);
    return { file, buffer, metadata, rows: Number(metadata.num_rows) };
  } catch (err) {
    throw new Error(`cannot read parquet file ${path.basename(file)} (truncated or not parquet?): ${messageOf(err)}`);
  }
}

/** Row groups in order: each yields its rows (objects keyed by column name) and the first row's index. */
export async function* parquetRowGroups(
  pq: OpenParquet,
  columns: readonly string[] | undefined,
  signal: AbortSignal,
): AsyncGenerator<{ rowStart: number; rowEnd: number; rows?: Record<string, unknown>[]; error?: string }> {
  const { parquetReadObjects } = await import('hyparquet');
  let rowStart = 0;
  const present = new Set(pq.metadata.schema.map((s) => s.name));
  const wanted = columns?.filter((c) => present.has(c));
  for (const group of pq.metadata.row_groups) {
    if (signal.aborted) return;
    const rowEnd = rowStart + Number(group.num_rows);
    try {
      const rows = (await parquetReadObjects({
        file: pq.buffer,
        metadata: pq.metadata,
        rowStart,
        rowEnd,
        utf8: false,
        parsers,
        ...(wanted ? { columns: wanted } : {}),
      })) as Record<string, unknown>[];
      yield { rowStart, rowEnd, rows };
    } catch (err) {
      yield { rowStart, rowEnd, error: `cannot read rows ${rowStart}–${rowEnd - 1}: ${messageOf(err)}` };
    }
    rowStart = rowEnd;
  }
}

/** Image bytes from a HF `Image` struct {bytes, path}, a plain binary column, or null. */
export function imageBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (value instanceof InvalidUtf8) return value.bytes;
  if (typeof value === 'object' && 'bytes' in value) return imageBytes((value as { bytes: unknown }).bytes);
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return null;
}

/** A text column value: strings as they are, bytes kept for strict decoding, InvalidUtf8 as its bytes. */
export function textValue(value: unknown): string | Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof InvalidUtf8) return value.bytes;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

/** A short text column where lossy decoding is fine (ids, types, captions). */
export function plainText(value: unknown): string | null {
  const v = textValue(value);
  if (v === null) return null;
  return typeof v === 'string' ? v : new TextDecoder().decode(v);
}

/** HF shard names carry the split: `train-00000-of-00042.parquet`, `dev-…`, `validation-…`, `test-…`. */
export function splitFromShardName(file: string): 'train' | 'val' | 'test' {
  const name = path.basename(file).toLowerCase();
  if (/^(dev|val|validation)[-_.]/.test(name)) return 'val';
  if (/^test[-_.]/.test(name)) return 'test';
  return 'train';
}
