// Import throughput against a bare sharp decode-resize loop over the same images in the same run
// (goal: import >= 0.7 of the bare loop). The images are 512×512 PNG pairs with masks, like
// MagicBrush's; the folder importer reads them, checks everything, thumbnails, hashes, fsyncs blobs
// and writes rows. The bare loop only decodes and resizes the same source and target files, with
// the same number of images in flight as the importer.
// Usage: npx tsc -b && node bench/import.mjs [samples=120] [size=512] [rounds=2] [photo|flat]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { machine, root, tempDataDir } from './lib.mjs';

const { openStore } = await import(path.join(root, 'dist/main/store/index.js'));
const { startImport } = await import(path.join(root, 'dist/main/data/import-runner.js'));
const { generateShapesSample } = await import(path.join(root, 'dist/main/data/shapes.js'));

const count = Number(process.argv[2] ?? 120);
const size = Number(process.argv[3] ?? 512);
const rounds = Number(process.argv[4] ?? 2);
/** 'photo': shapes over deterministic noise, so PNGs weigh what photographs do; 'flat': plain shapes. */
const texture = process.argv[5] ?? 'photo';
const CONCURRENCY = 4; // as main/data/import-runner.ts

const folder = tempDataDir();
for (const sub of ['source', 'target', 'mask']) fs.mkdirSync(path.join(folder, sub));
const lines = [];
for (let i = 0; i < count; i++) {
  const s = generateShapesSample(42, i, size);
  if (texture === 'photo') {
    let x = 2463534242 ^ i;
    for (let p = 0; p < s.source.length; p++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32: the same grain on source and target
      const grain = ((x >>> 0) % 48) - 24;
      s.source[p] = Math.max(0, Math.min(255, s.source[p] + grain));
      s.target[p] = Math.max(0, Math.min(255, s.target[p] + grain));
    }
  }
  // Masks as datasets ship them: 8-bit grey PNGs (sharp would otherwise write 1-channel input as RGB).
  const png = (px, channels) => {
    const img = sharp(Buffer.from(px), { raw: { width: size, height: size, channels } });
    return (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
  };
  fs.writeFileSync(path.join(folder, 'source', `s${i}.png`), await png(s.source, 3));
  fs.writeFileSync(path.join(folder, 'target', `s${i}.png`), await png(s.target, 3));
  fs.writeFileSync(path.join(folder, 'mask', `s${i}.png`), await png(s.mask, 1));
  lines.push(JSON.stringify({ id: `s${i}`, instruction: s.instruction, region_description: s.regionDescription, scene_description: s.sceneDescription }));
}
fs.writeFileSync(path.join(folder, 'instructions.jsonl'), lines.join('\n'));
const imageBytes = fs.readdirSync(path.join(folder, 'source')).reduce((n, f) => n + fs.statSync(path.join(folder, 'source', f)).size, 0);

async function bareLoop() {
  const files = [];
  for (let i = 0; i < count; i++) files.push(path.join(folder, 'source', `s${i}.png`), path.join(folder, 'target', `s${i}.png`));
  let next = 0;
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const bytes = await fs.promises.readFile(files[i]);
      await sharp(bytes).resize(256, 256, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { rate: count / ((performance.now() - t) / 1000), cpuMsPerSample: (cpu.user + cpu.system) / 1000 / count };
}

async function importOnce() {
  const dir = tempDataDir();
  const store = openStore(dir);
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await startImport(store, null, { format: 'folder', path: folder }).done;
  const rate = count / ((performance.now() - t) / 1000);
  const cpu = process.cpuUsage(cpu0);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (report.imported !== count) throw new Error(`imported ${report.imported} of ${count}: ${JSON.stringify(report.errors.slice(0, 3))}`);
  return { rate, cpuMsPerSample: (cpu.user + cpu.system) / 1000 / count };
}

await bareLoop(); // warm libvips and the page cache
const bare = [];
const imported = [];
for (let r = 0; r < rounds; r++) {
  bare.push(await bareLoop());
  imported.push(await importOnce());
}
fs.rmSync(folder, { recursive: true, force: true });
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
console.log(
  JSON.stringify(
    {
      machine: machine(),
      loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
      samples: count,
      size,
      texture,
      meanSourcePngKiB: +(imageBytes / count / 1024).toFixed(1),
      bareSamplesPerSecond: bare.map((x) => +x.rate.toFixed(1)),
      importSamplesPerSecond: imported.map((x) => +x.rate.toFixed(1)),
      ratio: +(mean(imported.map((x) => x.rate)) / mean(bare.map((x) => x.rate))).toFixed(2),
      // CPU time per sample (this process, all threads): the overhead ratio independent of other load.
      bareCpuMsPerSample: bare.map((x) => +x.cpuMsPerSample.toFixed(1)),
      importCpuMsPerSample: imported.map((x) => +x.cpuMsPerSample.toFixed(1)),
      cpuRatio: +(mean(bare.map((x) => x.cpuMsPerSample)) / mean(imported.map((x) => x.cpuMsPerSample))).toFixed(2),
    },
    null,
    2,
  ),
);
