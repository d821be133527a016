// Seeds a data folder with a large synthetic dataset straight into the store (one transaction,
// a handful of image blobs reused), for the browser's 100 000-sample test and the grid benchmark:
// the real ShapesEdit importer renders every image and is far too slow for that.
// Usage: node test/e2e/seed-synthetic.mjs DATA_DIR [COUNT]   (after `tsc -b`: it uses dist/main/store)
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { openStore } = await import(pathToFileURL(path.join(root, 'dist/main/store/index.js')).href);

const SIZE = 64;
const COLOURS = { red: [220, 60, 60], green: [60, 180, 90], blue: [60, 110, 230], yellow: [235, 200, 60], purple: [150, 80, 200] };
const EDITS = ['recolour', 'remove', 'add', 'move', 'resize'];
const SHAPES = ['circle', 'square', 'triangle'];

/** One source/target/mask triple: a shape on a striped background, recoloured inside a box. */
async function makeImages(variant) {
  const colourNames = Object.keys(COLOURS);
  const from = colourNames[variant % colourNames.length];
  const to = colourNames[(variant + 2) % colourNames.length];
  const x0 = 8 + ((variant * 7) % 24);
  const y0 = 10 + ((variant * 5) % 20);
  const w = 16 + (variant % 3) * 6;
  const h = 14 + (variant % 4) * 5;
  const src = Buffer.alloc(SIZE * SIZE * 3);
  const tgt = Buffer.alloc(SIZE * SIZE * 3);
  const mask = Buffer.alloc(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = y * SIZE + x;
      const stripe = ((x + y + variant * 3) >> 3) % 2 === 0 ? 70 : 96;
      const inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
      const a = inside ? COLOURS[from] : [stripe, stripe + 8, stripe + 20];
      const b = inside ? COLOURS[to] : a;
      src.set(a, i * 3);
      tgt.set(b, i * 3);
      mask[i] = inside ? 255 : 0;
    }
  }
  const raw = (buf, channels) => sharp(buf, { raw: { width: SIZE, height: SIZE, channels } });
  return {
    from, to, box: { x: x0, y: y0, width: w, height: h }, area: w * h,
    source: await raw(src, 3).png().toBuffer(),
    target: await raw(tgt, 3).png().toBuffer(),
    mask: await raw(mask, 1).png().toBuffer(),
    sourceThumb: await raw(src, 3).resize(128, 128, { kernel: 'nearest' }).webp({ quality: 80 }).toBuffer(),
    targetThumb: await raw(tgt, 3).resize(128, 128, { kernel: 'nearest' }).webp({ quality: 80 }).toBuffer(),
  };
}

/**
 * Writes `count` samples into a new dataset named `name`. Every 97th is flagged, every 10th has no
 * mask, every 11th carries an approved scene caption (others none), splits are 80/10/10 and every
 * 500th sample starts a three-turn session. Returns the dataset id and what a test can search for.
 */
export async function seedSyntheticDataset(dataDir, { count = 100_000, name = 'synthetic-100k' } = {}) {
  const store = openStore(dataDir);
  try {
    const variants = [];
    for (let v = 0; v < 8; v++) variants.push(await makeImages(v));
    const now = new Date().toISOString();
    const refs = variants.map((v) => {
      const put = (bytes) => store.blobs.put(bytes).sha256;
      return { ...v, sourceSha: put(v.source), targetSha: put(v.target), maskSha: put(v.mask), sourceThumbSha: put(v.sourceThumb), targetThumbSha: put(v.targetThumb) };
    });
    // Written with SQL of its own over a second connection: main/ reaches SQL only through main/store.
    const db = new Database(store.databaseFile);
    const image = db.prepare('INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, ?, ?, 3, ?, ?)');
    const thumb = db.prepare("INSERT OR IGNORE INTO images(sha256, width, height, channels, format, thumb_sha256) VALUES (?, 128, 128, 3, 'webp', NULL)");
    const sample = db.prepare(
      `INSERT INTO samples(dataset_id, external_id, session_id, turn_index, split, edit_type, instruction, region_description,
         scene_description, input_caption, output_caption, source_sha256, target_sha256, width, height, meta, flagged, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const mask = db.prepare(
      `INSERT INTO masks(sample_id, version, png_sha256, width, height, area, box_x, box_y, box_w, box_h, source, author, created_at)
       VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 'generated', 'seed', ?)`,
    );
    const caption = db.prepare(
      `INSERT INTO captions(sample_id, kind, version, text, source, status, created_at) VALUES (?, 'scene', 1, ?, 'template', 'approved', ?)`,
    );
    let datasetId = 0;
    db.transaction(() => {
      for (const r of refs) {
        thumb.run(r.sourceThumbSha);
        thumb.run(r.targetThumbSha);
        image.run(r.sourceSha, SIZE, SIZE, 'png', r.sourceThumbSha);
        image.run(r.targetSha, SIZE, SIZE, 'png', r.targetThumbSha);
      }
      datasetId = Number(
        db
          .prepare("INSERT INTO datasets(name, format, source_path, options, status, created_at, updated_at) VALUES (?, 'shapes', NULL, ?, 'ready', ?, ?)")
          .run(name, JSON.stringify({ synthetic: true, count }), now, now).lastInsertRowid,
      );
      let session = null;
      for (let i = 0; i < count; i++) {
        const r = refs[i % refs.length];
        const edit = EDITS[i % EDITS.length];
        const shape = SHAPES[(i >> 3) % SHAPES.length];
        if (i % 500 === 0) session = { id: `session-${i}`, turn: 1 };
        const inSession = session !== null && session.turn <= 3;
        const split = i % 10 === 8 ? 'val' : i % 10 === 9 ? 'test' : 'train';
        // Samples 12345 and 500 (the first turn of a session) carry words no other sample has, so a
        // search finds exactly one.
        const unique = i === 12_345 ? ' zanzibar' : i === 500 ? ' quokka' : '';
        const instruction = `${edit} the ${r.from} ${shape} to ${r.to}${unique} (${i})`;
        const id = Number(
          sample.run(
            datasetId, `syn-${String(i).padStart(6, '0')}`, inSession ? session.id : null, inSession ? session.turn : null, split, edit,
            instruction, `a ${r.to} ${shape}`, `a ${r.to} ${shape} on a striped grey background`,
            r.sourceSha, r.targetSha, SIZE, SIZE, JSON.stringify({ variant: i % refs.length }), i % 97 === 0 ? 1 : 0, now,
          ).lastInsertRowid,
        );
        if (inSession) session.turn++;
        if (i % 10 !== 7) mask.run(id, r.maskSha, SIZE, SIZE, r.area, r.box.x, r.box.y, r.box.width, r.box.height, now);
        if (i % 11 === 0) caption.run(id, `A ${r.to} ${shape} sits on a striped grey background.`, now);
      }
    })();
    db.close();
    return { datasetId, count, uniqueWord: 'zanzibar', uniqueExternalId: 'syn-012345', sessionWord: 'quokka', sessionExternalId: 'syn-000500' };
  } finally {
    store.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, n] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node test/e2e/seed-synthetic.mjs DATA_DIR [COUNT]');
    process.exit(2);
  }
  const started = Date.now();
  const result = await seedSyntheticDataset(path.resolve(dir), { count: n ? Number(n) : 100_000 });
  console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }));
}
