// Search and browse latency at 100 000 samples (goal: p95 < 20 ms per samples.query, count included).
// Usage: npx tsc -b && node bench/search.mjs [samples=100000] [runs=200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { machine, root, summary, tempDataDir } from './lib.mjs';

const { openStore, SamplesRepo } = await import(path.join(root, 'dist/main/store/index.js'));
const { seedSyntheticDataset } = await import(path.join(root, 'dist/main/data/synthetic.js'));

const count = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 200);
const dir = tempDataDir();
const store = openStore(dir);
// A fresh repository per cold query on one shared connection (the page cache stays warm, the
// repository's count and rank caches do not): the repository is built over a raw handle here.
const raw = new Database(store.databaseFile);
const t0 = performance.now();
const datasetId = await seedSyntheticDataset(store, { name: 'bench', count });
const seedSeconds = (performance.now() - t0) / 1000;

const base = { datasetId, filter: {}, sort: 'id', order: 'asc', offset: 0, limit: 200 };
const cases = {
  'page (id, random offset)': () => ({ ...base, offset: Math.floor(Math.random() * (count - 200)) }),
  'split = val': () => ({ ...base, filter: { split: 'val' } }),
  'edit type + sort by instruction': () => ({ ...base, filter: { editType: 'recolour' }, sort: 'instruction', offset: Math.floor(Math.random() * 1000) }),
  'has mask, desc': () => ({ ...base, filter: { hasMask: true }, order: 'desc' }),
  'search "circle" (common)': () => ({ ...base, filter: { search: 'circle' } }),
  'search "blue circ" (prefix)': () => ({ ...base, filter: { search: 'blue circ' } }),
  'search "purple triangle bottom" relevance': () => ({ ...base, filter: { search: 'purple triangle bottom' }, sort: 'relevance' }),
  'search "kettle" (no match)': () => ({ ...base, filter: { search: 'kettle' } }),
  'search + split + edit type': () => ({ ...base, filter: { search: 'red', split: 'train', editType: 'move' } }),
};

// cold: a fresh repository per query, so nothing is cached (a new filter or a new search term);
// scroll: the same filter at random offsets, as the grid issues them (the count is cached).
const results = {};
const all = [];
const allCold = [];
const allCpu = [];
const allScrollCpu = [];
for (const [name, make] of Object.entries(cases)) {
  for (let i = 0; i < 5; i++) store.samples.query(make()); // warm the page cache
  const cold = [];
  const coldCpu = [];
  const scroll = [];
  const scrollCpu = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const repo = new SamplesRepo(raw);
    const q = make();
    let t = performance.now();
    const cpu0 = process.cpuUsage();
    total = repo.query(q).total;
    cold.push(performance.now() - t);
    const cpu = process.cpuUsage(cpu0);
    coldCpu.push((cpu.user + cpu.system) / 1000);
    const q2 = { ...q, offset: Math.floor(Math.random() * Math.max(1, Math.min(total, 20000) - q.limit)) };
    t = performance.now();
    const cpu1 = process.cpuUsage();
    repo.query(q2);
    scroll.push(performance.now() - t);
    const cpu2 = process.cpuUsage(cpu1);
    scrollCpu.push((cpu2.user + cpu2.system) / 1000);
  }
  all.push(...cold, ...scroll);
  allCold.push(...cold);
  const c = summary(cold);
  const cc = summary(coldCpu);
  allCpu.push(...coldCpu);
  const w = summary(scroll);
  const wc = summary(scrollCpu);
  allScrollCpu.push(...scrollCpu);
  results[name] = { total, coldP50: +c.p50.toFixed(2), coldP95: +c.p95.toFixed(2), coldCpuP50: +cc.p50.toFixed(2), coldCpuP95: +cc.p95.toFixed(2), scrollP50: +w.p50.toFixed(2), scrollP95: +w.p95.toFixed(2), scrollCpuP50: +wc.p50.toFixed(2), scrollCpuP95: +wc.p95.toFixed(2) };
}
const coldOverall = summary(allCold);
const cpuOverall = summary(allCpu);
const scrollCpuOverall = summary(allScrollCpu);
const overall = summary(all);
store.close();
const dbBytes = fs.statSync(path.join(dir, 'ric.sqlite')).size;
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ machine: machine(), samples: count, runsPerCase: runs, seedSeconds: +seedSeconds.toFixed(1), dbMiB: +(dbBytes / 2 ** 20).toFixed(1), overallMs: { p50: +overall.p50.toFixed(2), p95: +overall.p95.toFixed(2), max: +overall.max.toFixed(2) }, coldOverallMs: { p50: +coldOverall.p50.toFixed(2), p95: +coldOverall.p95.toFixed(2) }, coldCpuOverallMs: { p50: +cpuOverall.p50.toFixed(2), p95: +cpuOverall.p95.toFixed(2) }, scrollCpuOverallMs: { p50: +scrollCpuOverall.p50.toFixed(2), p95: +scrollCpuOverall.p95.toFixed(2) }, loadAverage: os.loadavg().map((l) => +l.toFixed(1)), cases: results }, null, 2));
