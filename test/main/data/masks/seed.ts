// Datasets and samples written straight into the store with SQL, so the mask tests do not depend
// on the importers: one image blob per sample (a real PNG made with sharp).
import sharp from 'sharp';
import type { Store } from '../../../../main/store/index.js';
import { sqlOf } from '../../../helpers/sql.js';

export async function pngOf(width: number, height: number, rgb: [number, number, number] = [90, 120, 160]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

export function seedDataset(store: Store, name = 'masks-test'): number {
  const now = new Date().toISOString();
  return Number(
    sqlOf(store).prepare("INSERT INTO datasets(name, format, status, created_at, updated_at) VALUES (?, 'folder', 'ready', ?, ?)").run(name, now, now).lastInsertRowid,
  );
}

export async function seedSample(
  store: Store,
  datasetId: number,
  externalId: string,
  size: { width: number; height: number },
  extra: { flagged?: boolean; editType?: string } = {},
): Promise<number> {
  const png = await pngOf(size.width, size.height);
  const blob = store.blobs.put(png, 'image/png');
  sqlOf(store)
    .prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format) VALUES (?, ?, ?, 3, ?)')
    .run(blob.sha256, size.width, size.height, 'png');
  return Number(
    sqlOf(store)
      .prepare(
        `INSERT INTO samples(dataset_id, external_id, instruction, source_sha256, target_sha256, width, height, flagged, edit_type, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, externalId, `edit ${externalId}`, blob.sha256, blob.sha256, size.width, size.height, extra.flagged ? 1 : 0, extra.editType ?? null, new Date().toISOString())
      .lastInsertRowid,
  );
}
