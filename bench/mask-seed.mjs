// Seeds a data folder for the mask editor's end-to-end tests and benchmark: one dataset with
// samples written straight into the store (dist/main/store, after `tsc -b`), each with a known
// source and target image, and optionally saved mask versions (through dist/main/data/masks).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (rel) => import(pathToFileURL(path.join(root, rel)).href);

/** A deterministic RGB test card: diagonal gradient with an 8-pixel checker, different for the target. */
export async function testCard(width, height, target = false) {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const check = ((x >> 3) + (y >> 3)) % 2 === 0 ? 30 : 0;
      const r = Math.round((x / width) * 200) + check;
      const g = Math.round((y / height) * 200) + check;
      const b = 120 + check;
      px[i] = target ? 255 - r : r;
      px[i + 1] = target ? b : g;
      px[i + 2] = target ? g : b;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

/**
 * samples: [{ externalId, width, height, flagged?, masks?: [[x, y, w, h], ...] per version }]
 * Returns { datasetId, sampleIds }.
 */
export async function seedMaskSamples(dataDir, samples, datasetName = 'mask-e2e') {
  const { openStore } = await load('dist/main/store/index.js');
  const { MaskService } = await load('dist/main/data/masks/index.js');
  const { createMask, fillRect, rleToBase64 } = await load('dist/shared/mask/index.js');
  const store = openStore(dataDir);
  // The rows are written with SQL of their own over a second connection (main/ has no raw SQL).
  const db = new Database(store.databaseFile);
  try {
    const now = new Date().toISOString();
    const datasetId = Number(
      db.prepare("INSERT INTO datasets(name, format, status, created_at, updated_at) VALUES (?, 'folder', 'ready', ?, ?)").run(datasetName, now, now).lastInsertRowid,
    );
    const putImage = async (bytes, width, height) => {
      const blob = store.blobs.put(bytes, 'image/png');
      db.prepare("INSERT OR IGNORE INTO images(sha256, width, height, channels, format) VALUES (?, ?, ?, 3, 'png')").run(blob.sha256, width, height);
      return blob.sha256;
    };
    const sampleIds = [];
    const service = new MaskService(store);
    for (const s of samples) {
      const source = await putImage(await testCard(s.width, s.height), s.width, s.height);
      const target = await putImage(await testCard(s.width, s.height, true), s.width, s.height);
      const id = Number(
        db
          .prepare(
            `INSERT INTO samples(dataset_id, external_id, instruction, source_sha256, target_sha256, width, height, flagged, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(datasetId, s.externalId, `make the ${s.externalId} region blue`, source, target, s.width, s.height, s.flagged ? 1 : 0, now).lastInsertRowid,
      );
      sampleIds.push(id);
      let base = null;
      for (const [x, y, w, h] of s.masks ?? []) {
        const m = createMask(s.width, s.height);
        fillRect(m, { x, y, width: w, height: h });
        const v = await service.save({ sampleId: id, width: s.width, height: s.height, rle: rleToBase64(m.data), baseVersion: base, author: 'seed' });
        base = v.version;
      }
    }
    return { datasetId, sampleIds };
  } finally {
    db.close();
    store.close();
  }
}
