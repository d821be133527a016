// The file side of run bundles (shared/api/bundles.ts): copying with a hash, finding a member the
// manifest names (a regular file inside the bundle, no link on the way, of the stated size), and
// the line-per-record members (metrics, result images, scored samples) written and read back with
// a schema per line, a line-length limit, a line count and a sha256 — each error names the member
// and line at fault.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { z } from 'zod';

export class BundleError extends Error {
  override name = 'BundleError';
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export async function copyHashed(src: string, dst: string): Promise<{ size: number; sha256: string }> {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  const hash = createHash('sha256');
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const input = fs.createReadStream(src);
    const output = fs.createWriteStream(dst, { flags: 'wx' });
    input.on('data', (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    input.on('error', reject);
    output.on('error', reject);
    output.on('finish', resolve);
    input.pipe(output);
  });
  return { size, sha256: hash.digest('hex') };
}

/** Regular files under `dir`, relative, sorted; symbolic links and other kinds are left out. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** A file the manifest names: a regular file inside the bundle (no link on the way) of the stated size. */
export function bundleFile(dir: string, f: { path: string; size?: number }): string {
  const full = path.join(dir, ...f.path.split('/'));
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    throw new BundleError(`${dir}: ${f.path} is missing`);
  }
  if (real !== path.join(fs.realpathSync(dir), ...f.path.split('/'))) throw new BundleError(`${dir}: ${f.path} goes through a symbolic link`);
  const st = fs.lstatSync(full);
  if (!st.isFile()) throw new BundleError(`${dir}: ${f.path} is not a regular file`);
  if (f.size !== undefined && st.size !== f.size) throw new BundleError(`${dir}: ${f.path} is ${st.size} bytes, the manifest says ${f.size} (truncated or changed)`);
  return full;
}

export async function verifyHash(full: string, expected: string, name: string): Promise<void> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => fs.createReadStream(full).on('data', (c) => hash.update(c)).on('error', reject).on('end', resolve));
  if (hash.digest('hex') !== expected) throw new BundleError(`${name}: its sha256 differs from the manifest's`);
}

/** Writes records one JSON line each to `dir/rel`; returns what the manifest says of the member. */
export function writeJsonl(dir: string, rel: string, records: Iterable<unknown>): { path: string; size: number; sha256: string; lines: number } {
  const file = path.join(dir, ...rel.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'wx');
  let lines = 0;
  let size = 0;
  let buffered: string[] = [];
  const flush = () => {
    const bytes = Buffer.from(buffered.join(''), 'utf8');
    hash.update(bytes);
    fs.writeSync(fd, bytes);
    size += bytes.length;
    buffered = [];
  };
  try {
    for (const r of records) {
      buffered.push(`${JSON.stringify(r)}\n`);
      if (++lines % 1000 === 0) flush();
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return { path: rel, size, sha256: hash.digest('hex'), lines };
}

/**
 * Reads a line-per-record member: each line at most `maxLine` characters, JSON, valid under
 * `schema`; as many lines as the manifest says; the file's sha256 as the manifest says. The records
 * come back with where each was (`file:line`), for errors found later (an unknown sample).
 */
export async function readJsonl<S extends z.ZodType>(
  dir: string,
  member: { path: string; size?: number; sha256: string; lines: number },
  schema: S,
  maxLine: number,
): Promise<{ where: string; line: z.infer<S> }[]> {
  const file = bundleFile(dir, member);
  const name = `${dir}: ${member.path}`;
  const hash = createHash('sha256');
  const out: { where: string; line: z.infer<S> }[] = [];
  const stream = fs.createReadStream(file);
  stream.on('data', (chunk) => hash.update(chunk));
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    const where = `${member.path}:${n}`;
    if (n > member.lines) throw new BundleError(`${name}:${n}: more lines than the ${member.lines} the manifest says (appended to)`);
    if (text.length > maxLine) throw new BundleError(`${name}:${n}: line of ${text.length} characters (at most ${maxLine})`);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new BundleError(`${name}:${n}: not a JSON record`);
    }
    const p = schema.safeParse(v);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new BundleError(`${name}:${n}: ${issue?.path.length ? `field ${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid record'}`);
    }
    out.push({ where, line: p.data as z.infer<S> });
  }
  if (n !== member.lines) throw new BundleError(`${name}: ${n} lines, the manifest says ${member.lines} (truncated or appended to)`);
  if (hash.digest('hex') !== member.sha256) throw new BundleError(`${name}: its sha256 differs from the manifest's (changed after the bundle was written)`);
  return out;
}
