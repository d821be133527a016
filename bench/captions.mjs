// Caption pipeline at review scale (issue 5), on the built dist/ (`npx tsc -b` first):
//   node bench/captions.mjs [samples=20000] [jobSamples=1000]
// 1. the review queue over N current captions (first page pending-first with counts, a words
//    filter, a text search, bulk count and bulk approve of the whole set), through the dispatcher;
// 2. a caption job against a local OpenAI-compatible server that answers at once: fresh requests
//    vs the same images and prompts served from the cache;
// 3. the token budget of a 520-token description (real tokenizer code, tiny vocabulary).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { machine, root, summary, tempDataDir } from './lib.mjs';

const dist = (p) => path.join(root, 'dist', p);
const { openApp } = await import(dist('main/app.js'));
const { createInProcessTransport } = await import(dist('main/api/transports/in-process.js'));
const { createApiClient } = await import(dist('shared/api/client.js'));
const { captionGenerateArgsSchema } = await import(dist('shared/api/captions.js'));
const { createCaptionJob, runCaptionJob, tokenBudget } = await import(dist('main/captions/index.js'));

const N = Number(process.argv[2] ?? 20_000);
const J = Number(process.argv[3] ?? 1_000);
const now = new Date().toISOString();

async function timeIt(label, runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  const s = summary(times);
  console.log(`${label.padEnd(58)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  (n=${s.n})`);
  return s;
}

const connections = new Map();
const sqlOf = (store) => {
  if (!connections.has(store.databaseFile)) connections.set(store.databaseFile, new Database(store.databaseFile));
  return connections.get(store.databaseFile);
};

/** N samples sharing one image, each with a pending VLM caption of 20–120 words. */
async function seed(store, name, n, withCaptions, distinctImages) {
  // Seeded with SQL of its own over a second connection (main/ reaches SQL only through main/store).
  const db = sqlOf(store);
  const ds = Number(db.prepare("INSERT INTO datasets(name, format, status, created_at, updated_at) VALUES (?, 'folder', 'ready', ?, ?)").run(name, now, now).lastInsertRowid);
  const shared = await image(store, 0);
  const insertSample = db.prepare('INSERT INTO samples(dataset_id, external_id, instruction, source_sha256, target_sha256, width, height, created_at) VALUES (?, ?, ?, ?, ?, 16, 16, ?)');
  const insertCaption = db.prepare("INSERT INTO captions(sample_id, kind, version, text, source, status, model, created_at) VALUES (?, 'scene', 1, ?, 'vlm', 'pending', 'dsv2', ?)");
  const shas = distinctImages ? await Promise.all(Array.from({ length: n }, (_, i) => image(store, i + 1))) : [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const sha = distinctImages ? shas[i] : shared;
      const id = Number(insertSample.run(ds, `s${i}`, `make object ${i} blue`, sha, sha, now).lastInsertRowid);
      if (withCaptions) insertCaption.run(id, `${'a vivid red circle on grey '.repeat(4 + (i % 20)).trim()} number ${i}`, now);
    }
  })();
  return ds;
}

async function image(store, i) {
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i % 256, g: (i >> 8) % 256, b: 7 } } }).png().toBuffer();
  const ref = store.blobs.put(png, 'image/png');
  sqlOf(store).prepare("INSERT OR IGNORE INTO images(sha256, width, height, channels, format) VALUES (?, 16, 16, 3, 'png')").run(ref.sha256);
  return ref.sha256;
}

console.log(`machine: ${machine()}`);
const dir = tempDataDir();
const app = openApp({ dataDir: dir, mode: 'in-process', log: () => undefined });
const api = createApiClient(createInProcessTransport(app.dispatcher, app.events));

// 1. Review queue at scale.
const t0 = performance.now();
const ds = await seed(app.store, 'review', N, true, false);
console.log(`seeded ${N} samples with captions in ${(performance.now() - t0).toFixed(0)} ms`);
await timeIt(`queue: first 200, pending first, with counts (${N})`, 10, () => api.call('captions.queue', { datasetId: ds, kind: 'scene', limit: 200 }));
await timeIt('queue: words 40..60 filter', 10, () => api.call('captions.queue', { datasetId: ds, kind: 'scene', filter: { minWords: 40, maxWords: 60 } }));
await timeIt('queue: text search "number 1234"', 10, () => api.call('captions.queue', { datasetId: ds, kind: 'scene', filter: { search: 'number 1234' } }));
await timeIt('captions.get (sample + versions)', 50, (i) => api.call('captions.get', { sampleId: 1 + (i * 37) % N, kind: 'scene' }));
await timeIt('review: approve one', 50, async (i) => {
  const q = await api.call('captions.queue', { datasetId: ds, kind: 'scene', filter: { status: 'pending' }, limit: 1 });
  await api.call('captions.review', { captionId: q.items[0].captionId, action: i % 2 ? 'approve' : 'reject' });
});
const { count } = await api.call('captions.bulkCount', { datasetId: ds, kind: 'scene', filter: {} });
await timeIt(`bulk approve of the whole filtered set (${count})`, 1, () => api.call('captions.bulkApprove', { datasetId: ds, kind: 'scene', filter: {}, expectedCount: count }));

// 2. Caption job throughput against an instant local server.
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ model: 'served', choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: `a description ${body.length}` } }] }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${server.address().port}/v1`;
const jobDs = await seed(app.store, 'job', J, false, true);
const copyDs = await seed(app.store, 'job-copy', J, false, true);
for (const [label, datasetId] of [
  [`job: ${J} fresh requests, concurrency 8`, jobDs],
  [`job: ${J} from the cache (same images and prompts)`, copyDs],
]) {
  const params = captionGenerateArgsSchema.parse({ datasetId, kind: 'scene', endpoint, model: 'm', concurrency: 8 });
  const jobId = createCaptionJob(app.store, params);
  const started = performance.now();
  const report = await runCaptionJob(app.store, jobId, params, { image: 'target' });
  const s = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(58)} ${(J / s).toFixed(0)} captions/s  (written ${report.written}, cache ${report.fromCache}, failed ${report.failed.length})`);
}
server.close();

// 3. Token budget of a long description (a BERT-style WordPiece tokenizer.json written here).
const folder = path.join(dir, 'clip');
fs.mkdirSync(folder, { recursive: true });
const words = ['[UNK]', '[CLS]', '[SEP]', 'a', 'large', 'red', 'circle', 'at', 'the', 'top', 'left', 'and', 'small', 'blue', 'square', 'on', 'grey', 'background', ','];
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
fs.writeFileSync(
  path.join(folder, 'tokenizer.json'),
  JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '[UNK]'), special(1, '[CLS]'), special(2, '[SEP]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }], pair: [], special_tokens: { '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] } } },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
  }),
);
fs.writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 77 }));
const text = 'a large red circle at the top left and a small blue square on the grey background , '.repeat(30).trim();
const first = tokenBudget(text, 'clip', folder);
console.log(`token budget: ${first.count} tokens, window ${first.window}, unread from char ${first.readUntil}`);
await timeIt(`token budget of ${first.count} tokens (offsets + cut)`, 50, () => tokenBudget(text, 'clip', folder));
app.close();
