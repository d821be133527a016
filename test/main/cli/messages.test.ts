// The CLI speaks to people (issue 17): the stderr of commands that fail — a dataset that does not
// exist, an option out of range, the template captioner on a folder dataset, training without
// usable pairs, a delete without --yes — and of ones that work (progress lines) names things in the
// user's words: no Api method names, no schema wording, no error class names or stack frames, no
// bare numbers. Each refusal also says what to do next.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalNames } from '../../helpers/internal-names.js';
import { tempDir } from '../../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../../..');
let dataDir: string;
const ric = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/ric.js'), '--data', dataDir, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

beforeAll(async () => {
  dataDir = tempDir('ric-cli-words-');
  // A folder dataset (no scene graphs, no descriptions) of two samples.
  const folder = path.join(dataDir, 'incoming');
  for (const d of ['source', 'target', 'mask']) fs.mkdirSync(path.join(folder, d), { recursive: true });
  const png = (v: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: v, g: v, b: v } } }).png().toBuffer();
  for (const i of [0, 1]) {
    fs.writeFileSync(path.join(folder, 'source', `s${i}.png`), await png(10 + i));
    fs.writeFileSync(path.join(folder, 'target', `s${i}.png`), await png(100 + i));
    fs.writeFileSync(path.join(folder, 'mask', `s${i}.png`), await png(255));
  }
  fs.writeFileSync(path.join(folder, 'instructions.jsonl'), '{"id":"s0","instruction":"a"}\n{"id":"s1","instruction":"b"}\n');
  const r = ric('import', 'folder', folder, '--name', 'incoming');
  expect(r.status).toBe(0);
  // Progress and report lines are for people too.
  expect(internalNames(r.stderr)).toEqual([]);
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('ric refuses in words', () => {
  const cases: { args: string[]; says: RegExp }[] = [
    { args: ['caption', '--dataset', 'nope', '--kind', 'scene', '--template'], says: /no dataset "nope"; datasets: incoming/ },
    {
      args: ['caption', '--dataset', 'incoming', '--kind', 'scene', '--template'],
      says: /The template captioner writes descriptions from ShapesEdit scene graphs, and "incoming" is a folder dataset without them\. Describe it with a VLM instead/,
    },
    // The training pre-flight (issue 12) shared by the form, `ric train` and jobs.start: what is missing and the command that fixes it.
    { args: ['train', 'regionclip', '--dataset', 'incoming', '--preset', 'tiny'], says: /"incoming" has 0 usable pairs for Region-CLIP, training needs at least 2 to train and 2 to validate: 2 of its 2 samples have no approved region caption\n\s+fix: ric caption --dataset incoming --kind region/ },
    { args: ['datasets', 'delete', 'incoming'], says: /this would delete "incoming" with its 2 samples .*run again with --yes/ },
    { args: ['datasets', 'retry', 'incoming'], says: /"incoming" was imported completely; there is nothing to retry/ },
    { args: ['jobs', 'show', '999'], says: /job 999 not found \(ric jobs lists them\)/ },
    { args: ['import', 'folder', '/no/such/folder'], says: /no such file or folder: \/no\/such\/folder/ },
    { args: ['caption', '--dataset', 'incoming', '--kind', 'scene', '--endpoint', 'not-a-url', '--model', 'm'], says: /--endpoint must be an http:\/\/ or https:\/\/ URL/ },
  ];
  for (const c of cases) {
    it(`ric ${c.args.join(' ')}`, () => {
      const r = ric(...c.args);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(c.says);
      expect(internalNames(r.stderr)).toEqual([]);
      expect(r.stderr).not.toMatch(/^\s*\d+\s*$/m); // no bare number on a line of its own
    });
  }

  it('a deletion with --yes says what went', () => {
    const r = ric('datasets', 'delete', 'incoming', '--yes');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^deleted "incoming": 2 samples; \d+ image and mask files no longer used were removed$/m);
    expect(internalNames(r.stderr + r.stdout)).toEqual([]);
  });
});
