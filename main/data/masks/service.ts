// Saving, restoring, importing and exporting masks: everything the Api handlers and the CLI do,
// over the store. Area and tight box (Eq. 6) are computed here from the pixels, never trusted
// from the caller.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MaskImportOptions, MaskVersion } from '../../../shared/api/masks.js';
import { diffMasks, isOn, maskStats, rleFromBase64, rleToBase64, unionRect, emptyRect, type MaskBuffer, type Rect } from '../../../shared/mask/index.js';
import { sha256Of, type MaskSample, type MasksRepo, type NewMaskVersion, type Store } from '../../store/index.js';
import { decodeMaskFile, decodeMaskPng, encodeMaskPng, MASK_FILE_EXTENSIONS, previewPng } from './mask-png.js';

/** An expected failure with a kind the Api maps to its error codes. */
export class MaskError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'MaskError';
  }
}

export function defaultAuthor(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export class MaskService {
  readonly repo: MasksRepo;
  constructor(private readonly store: Store) {
    this.repo = store.masks;
  }

  private requireSample(sampleId: number): MaskSample {
    const s = this.repo.sample(sampleId);
    if (!s) throw new MaskError('not_found', `sample ${sampleId} not found`);
    return s;
  }

  private requireVersion(sampleId: number, version?: number): MaskVersion {
    const v = version === undefined ? this.repo.current(sampleId) : this.repo.version(sampleId, version);
    if (!v) throw new MaskError('not_found', version === undefined ? `sample ${sampleId} has no mask` : `sample ${sampleId} has no mask version ${version}`);
    return v;
  }

  async pixels(v: MaskVersion): Promise<MaskBuffer> {
    const bytes = this.store.blobs.read(v.pngSha256);
    if (!bytes) throw new MaskError('not_found', `the PNG of mask version ${v.version} (blob ${v.pngSha256}) is missing from the blob store`);
    const m = await decodeMaskPng(bytes);
    if (m.width !== v.width || m.height !== v.height) {
      throw new MaskError('invalid', `mask blob ${v.pngSha256} is ${m.width}×${m.height}, its row says ${v.width}×${v.height}`);
    }
    return m;
  }

  async get(sampleId: number, version?: number): Promise<{ mask: MaskVersion; rle: string }> {
    this.requireSample(sampleId);
    const v = this.requireVersion(sampleId, version);
    return { mask: v, rle: rleToBase64((await this.pixels(v)).data) };
  }

  /** Stores pixels as a new version of a sample's mask (the caller checked the size). */
  private async storeVersion(
    sample: MaskSample,
    mask: MaskBuffer,
    meta: { source: MaskVersion['source']; author: string; note: string | null; parentId: number | null; baseVersion?: number | null },
  ): Promise<MaskVersion> {
    const stats = maskStats(mask);
    const png = await encodeMaskPng(mask);
    // The blob's row and the version that uses it land in one transaction (BlobStore's rules).
    return this.store.transaction(() => this.insertVersion(sample, mask, stats, this.store.blobs.put(png, 'image/png').sha256, meta));
  }

  private insertVersion(
    sample: MaskSample,
    mask: MaskBuffer,
    stats: ReturnType<typeof maskStats>,
    pngSha256: string,
    meta: { source: MaskVersion['source']; author: string; note: string | null; parentId: number | null; baseVersion?: number | null },
  ): MaskVersion {
    const version = {
      sampleId: sample.id,
      parentId: meta.parentId,
      pngSha256,
      width: mask.width,
      height: mask.height,
      area: stats.area,
      box: stats.box,
      source: meta.source,
      author: meta.author,
      note: meta.note,
    };
    if (meta.baseVersion === undefined) return this.insert({ ...version, parentId: meta.parentId ?? this.repo.current(sample.id)?.id ?? null });
    const added = this.repo.insert(version, meta.baseVersion);
    if (!added.ok) {
      throw new MaskError(
        'conflict',
        `sample ${sample.externalId} is at mask version ${added.current?.version ?? 'none'}, but this edit started from ${meta.baseVersion ?? 'no mask'}: reload to see the newer version`,
      );
    }
    return added.version;
  }

  private insert(v: NewMaskVersion): MaskVersion {
    const added = this.repo.insert(v);
    if (!added.ok) throw new Error('a mask version without an expected base was refused');
    return added.version;
  }

  async save(args: { sampleId: number; width: number; height: number; rle: string; baseVersion: number | null; author?: string | undefined; note?: string | undefined }): Promise<MaskVersion> {
    const sample = this.requireSample(args.sampleId);
    if (args.width !== sample.width || args.height !== sample.height) {
      throw new MaskError('invalid', `mask is ${args.width}×${args.height}, but sample ${sample.externalId}'s image is ${sample.width}×${sample.height}`);
    }
    let data: Uint8Array;
    try {
      data = rleFromBase64(args.rle, args.width * args.height);
    } catch (err) {
      throw new MaskError('invalid', `rle: ${(err as Error).message}`);
    }
    const base = args.baseVersion === null ? null : (this.repo.version(sample.id, args.baseVersion) ?? null);
    return this.storeVersion(sample, { width: args.width, height: args.height, data }, {
      source: 'editor',
      author: args.author ?? defaultAuthor(),
      note: args.note ?? null,
      parentId: base?.id ?? null,
      baseVersion: args.baseVersion,
    });
  }

  restore(args: { sampleId: number; version: number; author?: string | undefined; note?: string | undefined }): MaskVersion {
    this.requireSample(args.sampleId);
    const old = this.requireVersion(args.sampleId, args.version);
    return this.insert({
        sampleId: args.sampleId,
        parentId: old.id,
        pngSha256: old.pngSha256,
        width: old.width,
        height: old.height,
        area: old.area,
        box: old.box,
        source: old.source,
        author: args.author ?? defaultAuthor(),
        note: args.note ?? `restored from version ${old.version}`,
      });
  }

  async diff(sampleId: number, from: number, to: number) {
    this.requireSample(sampleId);
    const a = await this.pixels(this.requireVersion(sampleId, from));
    const b = await this.pixels(this.requireVersion(sampleId, to));
    if (a.width !== b.width || a.height !== b.height) throw new MaskError('invalid', `versions ${from} and ${to} have different sizes`);
    const counts = diffMasks(a, b);
    // Box of the changed pixels, row by row.
    let box: Rect = emptyRect();
    for (let y = 0; y < a.height; y++) {
      let x0 = -1, x1 = -1;
      for (let x = 0, i = y * a.width; x < a.width; x++, i++) {
        if (isOn(a.data[i]!) !== isOn(b.data[i]!)) {
          if (x0 < 0) x0 = x;
          x1 = x;
        }
      }
      if (x0 >= 0) box = unionRect(box, { x: x0, y, width: x1 - x0 + 1, height: 1 });
    }
    return { from, to, ...counts, box: box.width === 0 ? null : box };
  }

  /** Mask files in a folder (recursively), matched to the dataset's samples by file name. */
  matchFiles(datasetId: number, dir: string): { files: number; matched: { file: string; sample: MaskSample }[]; unmatched: string[]; duplicates: { file: string; sample: MaskSample }[] } {
    if (!this.store.datasets.exists(datasetId)) throw new MaskError('not_found', `dataset ${datasetId} not found`);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch {
      throw new MaskError('not_found', `folder ${dir} does not exist`);
    }
    if (!stat.isDirectory()) throw new MaskError('invalid', `${dir} is not a folder`);
    const samples = this.repo.samplesByExternalId(datasetId);
    const lower = new Map([...samples.values()].map((s) => [s.externalId.toLowerCase(), s]));
    const files = listMaskFiles(dir);
    const matched: { file: string; sample: MaskSample }[] = [];
    const duplicates: { file: string; sample: MaskSample }[] = [];
    const unmatched: string[] = [];
    const seen = new Set<number>();
    for (const file of files) {
      const sample = matchSample(path.basename(file), samples, lower);
      if (!sample) unmatched.push(file);
      else if (seen.has(sample.id)) duplicates.push({ file, sample });
      else {
        seen.add(sample.id);
        matched.push({ file, sample });
      }
    }
    return { files: files.length, matched, unmatched, duplicates };
  }

  async previewImport(datasetId: number, dir: string, options: MaskImportOptions, count: number) {
    const { files, matched, unmatched } = this.matchFiles(datasetId, dir);
    const previews = [];
    for (const { file, sample } of matched.slice(0, count)) {
      const full = path.join(dir, file);
      const base = { file, sampleId: sample.id, externalId: sample.externalId, sourceThumbSha256: this.store.samples.image(sample.sourceSha256)?.thumbSha256 ?? null };
      try {
        const decoded = await this.decodeFor(full, sample, options);
        const stats = maskStats(decoded.mask);
        previews.push({ ...base, channels: decoded.channels, filePng: await previewPng(full), maskPng: await previewPng(decoded.mask), editFraction: stats.fraction, error: null });
      } catch (err) {
        previews.push({ ...base, channels: 0, filePng: '', maskPng: '', editFraction: 0, error: (err as Error).message });
      }
    }
    return { files, matched: matched.length, unmatched: unmatched.slice(0, 200), previews };
  }

  private async decodeFor(file: string, sample: MaskSample, options: MaskImportOptions) {
    const decoded = await decodeMaskFile(file, options, options.sizeMismatch === 'resize' ? { width: sample.width, height: sample.height } : undefined);
    if (decoded.width !== sample.width || decoded.height !== sample.height) {
      throw new Error(`mask is ${decoded.width}×${decoded.height}, but the sample's image is ${sample.width}×${sample.height} (choose "resize" to scale it)`);
    }
    return decoded;
  }

  async importFiles(
    args: { datasetId: number; path: string; options: MaskImportOptions; author?: string | undefined; note?: string | undefined },
    onProgress?: (done: number, total: number) => void,
  ) {
    const { files, matched, unmatched, duplicates } = this.matchFiles(args.datasetId, args.path);
    const errors = duplicates.map((d) => ({ file: d.file, externalId: d.sample.externalId, reason: `a second file for sample ${d.sample.externalId}; only the first is imported` }));
    let imported = 0;
    let unchanged = 0;
    const author = args.author ?? defaultAuthor();
    const note = args.note ?? `imported from ${args.path}`;
    let done = 0;
    // A few files in flight keep libvips' thread pool busy without holding many decoded masks.
    const queue = [...matched];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { file, sample } = job;
        try {
          const decoded = await this.decodeFor(path.join(args.path, file), sample, args.options);
          const png = await encodeMaskPng(decoded.mask);
          const current = this.repo.current(sample.id);
          const sha = sha256Of(png);
          if (current && current.pngSha256 === sha) unchanged++;
          else {
            await this.storeVersion(sample, decoded.mask, { source: 'import', author, note, parentId: current?.id ?? null });
            imported++;
          }
        } catch (err) {
          errors.push({ file, externalId: sample.externalId, reason: err instanceof MaskError ? err.message : (err as Error).message });
        }
        onProgress?.(++done, matched.length);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    return { files, imported, unchanged, unmatched, errors };
  }

  /** One PNG per sample with a mask, named by its external id. */
  async exportMasks(datasetId: number, dir: string, polarity: 'white' | 'black', onProgress?: (done: number, total: number) => void) {
    if (!this.store.datasets.exists(datasetId)) throw new MaskError('not_found', `dataset ${datasetId} not found`);
    fs.mkdirSync(dir, { recursive: true });
    const rows = this.repo.currentMasks(datasetId);
    const names = new Map<string, string>();
    let written = 0;
    let withoutMask = 0;
    let done = 0;
    for (const row of rows) {
      onProgress?.(done++, rows.length);
      if (row.pngSha256 === null) {
        withoutMask++;
        continue;
      }
      const name = `${safeFileName(row.externalId)}.png`;
      const clash = names.get(name.toLowerCase());
      if (clash !== undefined) throw new MaskError('invalid', `samples ${clash} and ${row.externalId} would both be written as ${name}`);
      names.set(name.toLowerCase(), row.externalId);
      const bytes = this.store.blobs.read(row.pngSha256);
      if (!bytes) throw new MaskError('not_found', `mask PNG ${row.pngSha256} of sample ${row.externalId} is missing from the blob store`);
      // Stored masks are already white = edit single-channel PNGs: copy them as they are.
      const out = polarity === 'white' ? bytes : await encodeMaskPng(await decodeMaskPng(bytes), 'black');
      fs.writeFileSync(path.join(dir, name), out);
      written++;
    }
    onProgress?.(rows.length, rows.length);
    return { dir: path.resolve(dir), written, withoutMask };
  }
}

function listMaskFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? e.name : path.join(rel, e.name);
      if (e.isDirectory() && depth < 4 && !e.name.startsWith('.')) walk(child, depth + 1);
      else if (e.isFile() && (MASK_FILE_EXTENSIONS as readonly string[]).includes(path.extname(e.name).toLowerCase())) out.push(child);
    }
  };
  walk('', 0);
  return out.sort();
}

/** `<id>.png`, `<id>_mask.png`, `<id>-mask.png`, `<id>.mask.png`, any case. */
function matchSample(fileName: string, exact: Map<string, MaskSample>, lower: Map<string, MaskSample>): MaskSample | undefined {
  const stem = fileName.slice(0, fileName.length - path.extname(fileName).length);
  const stripped = stem.replace(/[_\-. ]?mask$/i, '');
  return exact.get(stem) ?? exact.get(stripped) ?? lower.get(stem.toLowerCase()) ?? lower.get(stripped.toLowerCase());
}

export function safeFileName(externalId: string): string {
  const s = externalId.replace(/[/\\:*?"<>|\x00-\x1f]/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s.slice(0, 200);
}
