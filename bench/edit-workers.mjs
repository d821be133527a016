// Edits on tensor workers (issue 13): the same N edits of a pipeline folder on the engine thread and
// on W tensor workers in one run — the edit job's own editor (engine/pipelines/editor.ts: in-process
// for 1, a TensorPool with one pipeline per worker for more; a dataset edit keeps every worker busy
// with whole samples). Default: the shipped base editor (resources/base-editor, 32², pixel space) on
// ShapesEdit sources with their instructions, 20 DDIM steps, text guidance 3, image guidance 1.5.
// Each side edits the set once as a warm-up (pipeline load, kernels), then once timed; the images of
// both sides must agree (same seeds). Prints a Markdown row per side with the load before and after.
// Usage: npx tsc -b && node bench/edit-workers.mjs [--count=16] [--steps=20] [--workers=2] [--model=DIR] [--size=32]
import os from 'node:os';
import path from 'node:path';
import { machine, root } from './lib.mjs';

const dist = (p) => import(path.join(root, 'dist/main', p));
const { initBackend } = await dist('engine/backend.js');
const { openEditor } = await dist('engine/pipelines/editor.js');
const { generateShapesSample } = await dist('data/shapes.js');

const argv = process.argv.slice(2);
const arg = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const count = Number(arg('count', 16));
const steps = Number(arg('steps', 20));
const workers = Number(arg('workers', 2));
const size = Number(arg('size', 32));
const folder = path.resolve(arg('model', path.join(root, 'resources/base-editor')));

const report = await initBackend({ prefer: 'wasm' });
const items = Array.from({ length: count }, (_, i) => {
  const s = generateShapesSample(7, i, size);
  return { source: { width: size, height: size, data: s.source }, prompt: s.instruction, seed: 1000 + i, steps, guidanceScale: 3, imageGuidanceScale: 1.5, previewEvery: 0 };
});

/** Every item through the editor, as many in flight as it runs at once; wall seconds and the images. */
async function editAll(editor) {
  const images = new Array(items.length);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      images[i] = (await editor.edit(items[i])).image;
    }
  };
  await Promise.all(Array.from({ length: editor.concurrency }, lane));
  return { seconds: (performance.now() - started) / 1000, images };
}

async function side(w) {
  const opened = performance.now();
  const editor = await openEditor({ folder, scheduler: 'ddim', layout: 'resident', workers: w, backend: w > 1 ? 'wasm' : null });
  const openSeconds = (performance.now() - opened) / 1000;
  const warm = await editAll(editor);
  const timed = await editAll(editor);
  await editor.dispose();
  return { w, openSeconds, warm: warm.seconds, seconds: timed.seconds, images: timed.images };
}

const loadBefore = os.loadavg();
const one = await side(1);
const many = await side(workers);
const loadAfter = os.loadavg();
let maxDiff = 0;
for (let i = 0; i < count; i++) {
  const a = one.images[i].data;
  const b = many.images[i].data;
  for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
}

console.log(`${count} edits of ${path.relative(root, folder) || folder} (${steps} DDIM steps, three guidance branches, ${size}² ShapesEdit sources) on ${report.active} — ${machine()}; one warm-up pass, then one timed pass per side; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log('\n| tensor workers | open (s) | warm-up pass (s) | timed pass (s) | edits / s | scaling |\n|---|---|---|---|---|---|');
for (const s of [one, many]) console.log(`| ${s.w === 1 ? '1 (in-process)' : s.w} | ${s.openSeconds.toFixed(1)} | ${s.warm.toFixed(1)} | ${s.seconds.toFixed(2)} | ${(count / s.seconds).toFixed(2)} | ${(one.seconds / s.seconds).toFixed(2)}× |`);
console.log(`\nlargest pixel difference between the two sides' images: ${maxDiff} (of 255)`);
console.log(`goal (issue 13): scaling 1 → ${workers} workers ≥ 1.8× (here ${(one.seconds / many.seconds).toFixed(2)}×). Figures count only at load < 2.`);
