// A PNG image grid of chosen samples (rows) × source, ground truth and result sets (columns), for a
// paper figure (issue 16): each image fitted into a square cell on a dark background (aspect kept),
// a header row with the column names, the mask's tight box drawn on demand. Rendered with sharp,
// stored as a blob and written to <data>/exports/.
import fs from 'node:fs';
import path from 'node:path';
import type { Metadata, OverlayOptions } from 'sharp';
import type { Store } from '../store/index.js';
import { EvaluationInputError } from './job.js';

export interface GridRequest {
  datasetId: number;
  sampleIds: readonly number[];
  resultSetIds: readonly number[];
  source: boolean;
  target: boolean;
  maskBox: boolean;
  /** Each cell's side in pixels. */
  cell: number;
}

const HEADER = 28;
const BACKGROUND = { r: 24, g: 24, b: 24 };
const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Column {
  label: string;
  /** The image of a sample in this column, or null (a grey cell). */
  image(sampleId: number): string | null;
}

export async function renderGrid(store: Store, req: GridRequest): Promise<{ sha256: string; width: number; height: number; bytes: number; file: string }> {
  // sharp loads on first use: the Api's handlers import this module, and every `ric` start paid for it.
  const { default: sharp } = await import('sharp');
  const columns: Column[] = [];
  const samples = req.sampleIds.map((id) => {
    const s = store.samples.record(id);
    if (!s || s.datasetId !== req.datasetId) throw new EvaluationInputError(`sample ${id} is not in dataset ${req.datasetId}`);
    return s;
  });
  if (req.source) columns.push({ label: 'Source', image: (id) => samples.find((s) => s.id === id)!.sourceSha256 });
  if (req.target) columns.push({ label: 'Ground truth', image: (id) => samples.find((s) => s.id === id)!.targetSha256 });
  for (const rid of req.resultSetIds) {
    const set = store.results.get(rid);
    if (!set || set.datasetId !== req.datasetId) throw new EvaluationInputError(`result set ${rid} is not in dataset ${req.datasetId}`);
    columns.push({ label: set.method, image: (id) => (store.results.image(rid, id)?.status === 'done' ? (store.results.image(rid, id)!.image?.sha256 ?? null) : null) });
  }
  if (columns.length === 0) throw new EvaluationInputError('a grid needs at least one column (source, ground truth or a result set)');
  const c = req.cell;
  const width = columns.length * c;
  const height = HEADER + samples.length * c;
  const layers: OverlayOptions[] = [];
  const header = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEADER}">${columns
    .map((col, i) => `<text x="${i * c + c / 2}" y="19" font-family="sans-serif" font-size="14" fill="#ddd" text-anchor="middle">${xmlEscape(col.label.slice(0, 40))}</text>`)
    .join('')}</svg>`;
  layers.push({ input: Buffer.from(header), left: 0, top: 0 });
  for (let r = 0; r < samples.length; r++) {
    const s = samples[r]!;
    const mask = req.maskBox ? store.masks.current(s.id) : undefined;
    for (let i = 0; i < columns.length; i++) {
      const sha = columns[i]!.image(s.id);
      const bytes = sha ? store.blobs.read(sha) : undefined;
      if (!bytes) {
        layers.push({ input: { create: { width: c, height: c, channels: 3, background: { r: 80, g: 80, b: 80 } } }, left: i * c, top: HEADER + r * c });
        continue;
      }
      let meta: Metadata;
      try {
        meta = await sharp(bytes).metadata();
      } catch (err) {
        throw new EvaluationInputError(`sample ${s.externalId}, column ${columns[i]!.label}: not a readable image (${(err as Error).message})`);
      }
      // Fit (aspect kept) into the cell, centred: the box is mapped the same way.
      const k = Math.min(c / (meta.width ?? c), c / (meta.height ?? c));
      const w = Math.max(1, Math.round((meta.width ?? c) * k));
      const h = Math.max(1, Math.round((meta.height ?? c) * k));
      const ox = Math.floor((c - w) / 2);
      const oy = Math.floor((c - h) / 2);
      const fitted = await sharp(bytes).removeAlpha().resize(w, h, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
      layers.push({ input: fitted, left: i * c + ox, top: HEADER + r * c + oy });
      const box = mask?.box;
      if (box && mask) {
        const sx = w / mask.width;
        const sy = h / mask.height;
        const rect = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="${box.x * sx + 0.5}" y="${box.y * sy + 0.5}" width="${Math.max(1, box.width * sx - 1)}" height="${Math.max(1, box.height * sy - 1)}" fill="none" stroke="#ffd400" stroke-width="1"/></svg>`;
        layers.push({ input: Buffer.from(rect), left: i * c + ox, top: HEADER + r * c + oy });
      }
    }
  }
  const png = await sharp({ create: { width, height, channels: 3, background: BACKGROUND } }).composite(layers).png().toBuffer();
  const blob = store.blobs.put(png, 'image/png');
  const dir = path.join(store.dataDir, 'exports');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `grid-${blob.sha256.slice(0, 12)}.png`);
  fs.writeFileSync(file, png);
  return { sha256: blob.sha256, width, height, bytes: png.length, file };
}
