// Datasets, samples, images and masks written straight into a real store (SQL + blobs), so the
// caption tests do not depend on the importers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openStore, type Store } from '../../../main/store/index.js';
import { sqlOf } from '../../helpers/sql.js';

export function tempDir(prefix = 'ric-captions-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function addDataset(store: Store, name: string, format: 'folder' | 'shapes' = 'folder'): number {
  const now = new Date().toISOString();
  return Number(
    sqlOf(store).prepare("INSERT INTO datasets(name, format, status, created_at, updated_at) VALUES (?, ?, 'ready', ?, ?)").run(name, format, now, now).lastInsertRowid,
  );
}

/** A solid-colour PNG stored as blob + images row; distinct colours give distinct hashes. */
export async function addImage(store: Store, rgb: [number, number, number], width = 32, height = 24): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
  const ref = store.blobs.put(png, 'image/png');
  sqlOf(store).prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format) VALUES (?, ?, ?, 3, ?)').run(ref.sha256, width, height, 'png');
  return ref.sha256;
}

export interface SampleSpec {
  externalId: string;
  instruction: string;
  index: number;
  box?: { x: number; y: number; w: number; h: number } | null;
  meta?: unknown;
  regionDescription?: string | null;
  sceneDescription?: string | null;
  noTarget?: boolean;
  /** The sample's recorded size (ShapesEdit's scene graph is in these pixels). */
  width?: number;
}

export async function addSample(store: Store, datasetId: number, s: SampleSpec): Promise<number> {
  const source = await addImage(store, [s.index % 256, 10, 20]);
  const target = s.noTarget ? null : await addImage(store, [s.index % 256, 200, (s.index * 7) % 256]);
  const id = Number(
    sqlOf(store)
      .prepare(
        `INSERT INTO samples(dataset_id, external_id, instruction, region_description, scene_description, source_sha256, target_sha256, width, height, meta, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, s.externalId, s.instruction, s.regionDescription ?? null, s.sceneDescription ?? null, source, target, s.width ?? 32, s.width ?? 24, JSON.stringify(s.meta ?? {}), new Date().toISOString())
      .lastInsertRowid,
  );
  if (s.box) {
    const mask = await sharp(Buffer.alloc(32 * 24), { raw: { width: 32, height: 24, channels: 1 } }).png().toBuffer();
    const ref = store.blobs.put(mask, 'image/png');
    sqlOf(store)
      .prepare(
        `INSERT INTO masks(sample_id, version, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, created_at)
         VALUES (?, 1, ?, 32, 24, ?, ?, ?, ?, ?, 'dataset', 'test', ?)`,
      )
      .run(id, ref.sha256, s.box.w * s.box.h, s.box.x, s.box.y, s.box.w, s.box.h, new Date().toISOString());
  }
  return id;
}

/** A store with one dataset of `n` samples, each with a mask box. */
export async function seededStore(n: number, dir = tempDir()): Promise<{ store: Store; dir: string; datasetId: number; sampleIds: number[] }> {
  const store = openStore(dir);
  const datasetId = addDataset(store, 'fixture');
  const sampleIds: number[] = [];
  for (let i = 0; i < n; i++) {
    sampleIds.push(
      await addSample(store, datasetId, {
        externalId: `s${String(i).padStart(3, '0')}`,
        instruction: `make object ${i} blue`,
        index: i + 1,
        box: { x: 4, y: 2, w: 10, h: 8 },
        regionDescription: `object ${i}`,
        sceneDescription: `scene ${i}`,
      }),
    );
  }
  return { store, dir, datasetId, sampleIds };
}
