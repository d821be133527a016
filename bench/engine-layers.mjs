// The engine's fast-path layers against tfjs's built-in formulations on the same backend, and the
// same computation in PyTorch (Debian python3-torch, same cores) in the same run:
//   plain 2-D matMul rate (the backend's ceiling), linear forward+backward, attention forward+backward.
// Usage: npx tsc -b && node bench/engine-layers.mjs [backend=wasm] [runs=5]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { machine, root } from './lib.mjs';

const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import(path.join(root, 'dist/main/engine/backend.js'));
const { conv2d, linear, multiHeadAttention } = await import(path.join(root, 'dist/main/engine/layers/index.js'));

const backend = process.argv[2] ?? 'wasm';
const runs = Number(process.argv[3] ?? 5);
await initBackend({ prefer: backend });

async function time(fn) {
  await fn(); // warm-up (kernel/pipeline setup)
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)];
}

const N = 1024, D = 768; // 1024 tokens through a ViT-B/16-width linear layer
const x = tf.randomNormal([N, D]);
const w = tf.randomNormal([D, D], 0, 0.02);
const b = tf.zeros([D]);
const sync = async (ts) => { for (const t of ts) await t.data(); tf.dispose(ts); };

const results = [];
const add = (name, ms, flops) => results.push({ name, ms, gflops: flops / ms / 1e6 });

add('matMul [1024,768]·[768,768] (plain)', await time(() => sync([tf.matMul(x, w)])), 2 * N * D * D);
const linFlops = 3 * 2 * N * D * D;
const gradsOf = (f) => async () => {
  const g = tf.grads((a, ww, bb) => tf.sum(f(a, ww, bb)));
  await sync(g([x, w, b]));
};
add('linear fwd+bwd, tfjs built-in (matMul transposeB)', await time(gradsOf((a, ww, bb) => tf.add(tf.matMul(a, ww, false, true), bb))), linFlops);
add('linear fwd+bwd, engine linear()', await time(gradsOf((a, ww, bb) => linear(a, { weight: ww, bias: bb }))), linFlops);

// Self-attention of a ViT-B/16 image: 197 tokens, 12 heads × 64, batch 2 (projections included).
const B = 2, L = 197, H = 12;
const h = tf.randomNormal([B, L, D]);
const proj = () => ({ weight: tf.randomNormal([D, D], 0, 0.02), bias: tf.zeros([D]) });
const p = { q: proj(), k: proj(), v: proj(), out: proj() };
const pw = [p.q.weight, p.k.weight, p.v.weight, p.out.weight];
function builtinAttention(hh, wq, wk, wv, wo) {
  const split = (t) => tf.transpose(tf.reshape(t, [B, L, H, D / H]), [0, 2, 1, 3]);
  const pr = (t, ww) => tf.reshape(tf.matMul(tf.reshape(t, [B * L, D]), ww, false, true), [B, L, D]);
  const q = split(pr(hh, wq)), k = split(pr(hh, wk)), v = split(pr(hh, wv));
  const o = tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), 8)), v);
  return pr(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B, L, D]), wo);
}
const attnFlops = 3 * (4 * 2 * B * L * D * D + 2 * 2 * B * L * L * D);
add('attention fwd+bwd, tfjs built-in', await time(async () => {
  const g = tf.grads((hh, a, bq, c, d) => tf.sum(builtinAttention(hh, a, bq, c, d)));
  await sync(g([h, ...pw]));
}), attnFlops);
add('attention fwd+bwd, engine multiHeadAttention()', await time(async () => {
  const g = tf.grads((hh, a, bq, c, d) => tf.sum(multiHeadAttention({ q: { weight: a, bias: p.q.bias }, k: { weight: bq, bias: p.k.bias }, v: { weight: c, bias: p.v.bias }, out: { weight: d, bias: p.out.bias } }, hh, H)));
  await sync(g([h, ...pw]));
}), attnFlops);

// A 3×3 convolution of a latent-sized feature map (UNet/VAE scale): 4 × 32 × 32 × 128 → 128.
const CB = 4, CH = 32, CC = 128;
const cx = tf.randomNormal([CB, CH, CH, CC]);
const cw = tf.randomNormal([CC, CC, 3, 3], 0, 0.02);
const convFlops = 3 * 2 * CB * CH * CH * CC * CC * 9;
try {
  add('conv2d 3×3 fwd+bwd, tfjs built-in', await time(async () => {
    const g = tf.grads((a, ww) => tf.sum(tf.conv2d(a, tf.transpose(ww, [2, 3, 1, 0]), 1, 'same')));
    await sync(g([cx, cw]));
  }), convFlops);
} catch (err) {
  results.push({ name: 'conv2d 3×3 fwd+bwd, tfjs built-in', ms: NaN, gflops: NaN, note: String(err.message).slice(0, 60) });
}
add('conv2d 3×3 fwd+bwd, engine conv2d() (im2col)', await time(async () => {
  const g = tf.grads((a, ww) => tf.sum(conv2d(a, ww, undefined)));
  await sync(g([cx, cw]));
}), convFlops);

// The same in PyTorch, same process tree, same cores.
const py = `
import torch, time
torch.set_num_threads(${Math.max(1, (await import('node:os')).cpus().length)})
def t(f, runs=${runs}):
    f(); ts=[]
    for _ in range(runs):
        t0=time.perf_counter(); f(); ts.append((time.perf_counter()-t0)*1000)
    return sorted(ts)[len(ts)//2]
N,D,B,L,H=${N},${D},${B},${L},${H}
x=torch.randn(N,D); w=(torch.randn(D,D)*0.02).requires_grad_(); b=torch.zeros(D,requires_grad=True); xr=x.clone().requires_grad_()
print('matmul', t(lambda: x@w.detach()))
def lin():
    (torch.nn.functional.linear(xr,w,b)).sum().backward()
print('linear', t(lin))
mha=torch.nn.MultiheadAttention(D,H,batch_first=True); hh=torch.randn(B,L,D,requires_grad=True)
def att():
    mha(hh,hh,hh,need_weights=False)[0].sum().backward()
print('attention', t(att))
cx=torch.randn(${CB},${CC},${CH},${CH},requires_grad=True); cw=(torch.randn(${CC},${CC},3,3)*0.02).requires_grad_()
def conv():
    torch.nn.functional.conv2d(cx,cw,padding=1).sum().backward()
print('conv', t(conv))
`;
const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
const torch = Object.fromEntries((r.stdout ?? '').trim().split('\n').filter(Boolean).map((l) => { const [k, v] = l.split(' '); return [k, Number(v)]; }));

console.log(`engine layers on ${backend} — ${machine()}; median of ${runs}`);
for (const x of results) console.log(`  ${x.name.padEnd(52)} ${x.ms.toFixed(1).padStart(8)} ms  ${x.gflops.toFixed(1).padStart(6)} GFLOP/s${x.note ? `  (${x.note})` : ''}`);
if (r.status === 0) {
  console.log(`  PyTorch ${spawnSync('/usr/bin/python3', ['-c', 'import torch;print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim()}: matmul ${torch.matmul.toFixed(1)} ms, linear fwd+bwd ${torch.linear.toFixed(1)} ms, attention fwd+bwd ${torch.attention.toFixed(1)} ms, conv fwd+bwd ${torch.conv.toFixed(1)} ms`);
  const eng = (n) => results.find((x) => x.name.includes(n)).ms;
  console.log(`  engine / PyTorch: linear ${(eng('engine linear') / torch.linear).toFixed(2)}×, attention ${(eng('engine multiHead') / torch.attention).toFixed(2)}×, conv ${(eng('engine conv2d') / torch.conv).toFixed(2)}×`);
} else console.log(`  PyTorch not run: ${(r.stderr ?? '').split('\n').slice(-2).join(' ')}`);
