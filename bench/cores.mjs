// usage: node bench/cores.mjs — prints how much slower each of two processes runs than one alone (1.0 = two free cores).
// Are the two vCPUs two cores? A compute-only loop (registers, no memory traffic) timed alone and
// as two processes at once; the same for a loop streaming a 64 MB array (memory bandwidth).
import { spawnSync, spawn } from 'node:child_process';
const mode = process.argv[2];
if (mode === 'compute' || mode === 'stream') {
  const t0 = performance.now();
  let x = 0;
  if (mode === 'compute') { let a = 1.0000001; for (let i = 0; i < 6e8; i++) { x += a; a *= 1.0000000001; } }
  else { const f = new Float64Array(8 * 1024 * 1024); for (let r = 0; r < 40; r++) for (let i = 0; i < f.length; i++) { f[i] += i; x += f[i]; } }
  console.log(JSON.stringify({ ms: performance.now() - t0, x }));
} else {
  const one = (m) => JSON.parse(spawnSync(process.execPath, [process.argv[1], m]).stdout).ms;
  const two = (m) => Promise.all([0, 1].map(() => new Promise((res) => { let o = ''; const c = spawn(process.execPath, [process.argv[1], m]); c.stdout.on('data', (d) => (o += d)); c.on('close', () => res(JSON.parse(o).ms)); })));
  for (const m of ['compute', 'stream']) {
    const alone = one(m);
    const both = await two(m);
    console.log(`${m}: alone ${alone.toFixed(0)} ms; two at once ${both.map((b) => b.toFixed(0)).join(', ')} ms → ${(both.reduce((s, b) => s + b, 0) / 2 / alone).toFixed(2)}× slower each`);
  }
}
