// The demo chain's time, stage by stage (issue 18; goals on 2 cores: full ≤ 30 min, --quick ≤ 5 min).
// usage: node bench/demo.mjs [--quick] [--smoke] [--train-base [--base-steps N]] [--data DIR] [--keep]
// Runs the real CLI, `ric demo --json`, in a fresh data folder (or --data, where a finished demo then
// costs nothing: every stage finds its work), and reads each stage's job from the store: its wall time
// from start to end, and per kind — the dataset, captions, towers, base editor, fine-tunes (with the
// mean step time), edits (images/s), evaluations. Prints a Markdown table with the machine, the load
// average at start and end, and the chain's total. `--smoke` sizes every stage to a few steps (what
// the tests run), to prove the benchmark works; the figures to record come from the default sizes.
// Without resources/base-editor, add `--train-base --base-steps N` (the base's steps are then timed
// too, as their own stage). Backend: $RIC_BACKEND (default wasm).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { machine, root } from './lib.mjs';

const args = process.argv.slice(2);
const has = (name) => args.includes(`--${name}`);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const data = opt('data') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ric-bench-demo-'));
const SMOKE = {
  regionclip: { phases: [{ name: 'fusion', epochs: 1, lr: 0.005 }, { name: 'joint', epochs: 1, lr: 0.002 }] },
  blip: { phases: [{ name: 'blip', epochs: 1, lr: 0.002 }] },
  editor: { batch_size: 4, validation: { samples: 1, metric_samples: 0, loss_samples: 2, steps: 2 } },
  base: { batch_size: 4, checkpoint_every: 2, validation: { samples: 1, metric_samples: 2, steps: 2 } },
};
const demoArgs = ['demo', '--data', data, '--json'];
if (has('quick')) demoArgs.push('--quick');
if (has('train-base')) demoArgs.push('--train-base', ...(opt('base-steps') ? ['--base-steps', opt('base-steps')] : []));
if (has('smoke')) {
  const file = path.join(data, 'smoke-config.json');
  fs.writeFileSync(file, JSON.stringify(SMOKE));
  demoArgs.push('--count', '32', '--editor-steps', '2', '--edit-steps', '1', '--config', file);
}

const load0 = os.loadavg();
const t0 = performance.now();
const stdout = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [path.join(root, 'bin/ric.js'), ...demoArgs], {
    cwd: root,
    env: { ...process.env, RIC_BACKEND: process.env.RIC_BACKEND ?? 'wasm' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.on('error', reject);
  child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ric demo exited ${code}:\n${out}`))));
});
const wall = (performance.now() - t0) / 1000;
const load1 = os.loadavg();
const chain = JSON.parse(stdout);

const db = new Database(path.join(data, 'ric.sqlite'), { readonly: true });
const job = db.prepare('SELECT kind, started_at AS startedAt, finished_at AS finishedAt, params FROM jobs WHERE id = ?');
const runOf = db.prepare('SELECT id FROM runs WHERE job_id = ?');
const stepTime = db.prepare("SELECT avg(value) AS ms, count(*) AS n FROM metric_points WHERE run_id = ? AND key = 'step_time_ms' AND step > 1");
const images = db.prepare("SELECT count(*) AS n FROM result_images WHERE job_id = ? AND status = 'done'");
const seconds = (j) => (j?.startedAt && j?.finishedAt ? (Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000 : null);

const rows = [];
const byKind = new Map();
for (const s of chain.stages) {
  const j = s.jobId !== null ? job.get(s.jobId) : null;
  const sec = seconds(j);
  let note = s.detail ?? '';
  if (j && j.kind.startsWith('train-')) {
    const run = runOf.get(s.jobId);
    const st = run ? stepTime.get(run.id) : null;
    if (st?.n) note = `${st.n + 1} steps, ${(st.ms / 1000).toFixed(2)} s/step after the first`;
  } else if (j && j.kind === 'edit') {
    let n = 0;
    try {
      n = images.get(s.jobId).n;
    } catch {
      n = 0;
    }
    if (n && sec) note = `${n} images, ${(n / sec).toFixed(2)} images/s`;
  }
  rows.push(`| ${s.label} | ${j ? j.kind : '—'} | ${sec !== null ? sec.toFixed(1) : (s.detail ?? '').startsWith('found') ? 'found' : '—'} | ${note.replace(/\|/g, '/')} |`);
  const kind = s.key.split(':')[0];
  byKind.set(kind, (byKind.get(kind) ?? 0) + (sec ?? 0));
}
db.close();

console.log(`\n## ric demo${has('quick') ? ' --quick' : ''}${has('smoke') ? ' (smoke sizes)' : ''} — ${new Date().toISOString()}`);
console.log(`${machine()}; load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')}; backend ${process.env.RIC_BACKEND ?? 'wasm'}; data ${data}`);
console.log(`chain ${chain.state}: **${(wall / 60).toFixed(1)} min** wall (${wall.toFixed(0)} s, goal ${has('quick') ? '≤ 5' : '≤ 30'} min)\n`);
console.log('| stage | job | seconds | |\n|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`\nper kind (s): ${[...byKind].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
if (chain.result) {
  console.log('\nthe table (mean ± std over seeds; one seed: over samples):');
  for (const r of chain.result.table.rows) {
    console.log(`- ${r.label}: ${chain.result.table.columns.map((c) => { const cell = r.cells[c.key]; return `${c.label} ${cell?.mean?.toFixed(c.digits) ?? '—'}${cell?.std != null ? ` ± ${cell.std.toFixed(c.digits)}${cell.stdOver === 'samples' ? ' (over samples)' : ''}` : ''}`; }).join(', ')}`);
  }
}
if (!opt('data') && !has('keep')) fs.rmSync(data, { recursive: true, force: true });
