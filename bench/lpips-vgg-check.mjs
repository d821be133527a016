// LPIPS-vgg has no reference fixture (the fixture generator skipped it for size), so this checks it
// against an independent PyTorch composition from lpips' definitions (bench/lpips_vgg_check.py,
// Debian python3-torch): random VGG16 trunk weights at the real shapes, the real v0.1 vgg lin
// weights, two input pairs in [-1, 1]; prints the max abs difference of the distance and per layer.
// Usage: npx tsc -b && node bench/lpips-vgg-check.mjs [dir=/tmp/ric-lpips-vgg-check]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './lib.mjs';

const dir = process.argv[2] ?? '/tmp/ric-lpips-vgg-check';
fs.mkdirSync(dir, { recursive: true });
const tf = await import('@tensorflow/tfjs');
const { initBackend } = await import(path.join(root, 'dist/main/engine/backend.js'));
const { fromPretrained, applyConfigDefaults } = await import(path.join(root, 'dist/main/engine/models/registry.js'));
const { lpipsFamily } = await import(path.join(root, 'dist/main/engine/models/lpips/index.js'));
const { writeSafetensors } = await import(path.join(root, 'dist/main/engine/io/safetensors.js'));
const shared = process.env.RIC_SHARED_DIR ?? path.resolve(root, '../shared');
await initBackend({ prefer: process.env.RIC_BACKEND ?? 'wasm' });

const config = lpipsFamily.parseConfig(applyConfigDefaults({ net: 'vgg' }, lpipsFamily.defaults), 'vgg');
const weights = new Map();
let seed = 11;
for (const [name, shape] of lpipsFamily.paramShapes(config)) {
  if (name.startsWith('lin')) continue;
  const fan = shape.slice(1).reduce((a, b) => a * b, 1);
  const t = tf.randomNormal(shape, 0, name.endsWith('weight') ? Math.sqrt(2 / fan) : 0.05, 'float32', seed++);
  weights.set(name, { shape, values: await t.data(), dtype: 'F32' });
  t.dispose();
}
writeSafetensors(path.join(dir, 'model.safetensors'), weights);
fs.copyFileSync(path.join(shared, 'fixtures/metrics/lpips/alex_v0.1/lin_v0.1_vgg.safetensors'), path.join(dir, 'lin_v0.1_vgg.safetensors'));
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ builder: 'lpips.LPIPS', net: 'vgg', version: '0.1' }));

const model = await fromPretrained(dir);
const in0 = tf.randomUniform([2, 3, 64, 64], -1, 1, 'float32', 1);
const in1 = tf.randomUniform([2, 3, 64, 64], -1, 1, 'float32', 2);
const o = model.forward(in0, in1);
const t = async (x, shape) => ({ shape, values: await x.data(), dtype: 'F32' });
const io = new Map([['in0', await t(in0, [2, 3, 64, 64])], ['in1', await t(in1, [2, 3, 64, 64])], ['distance', await t(o.distance, [2])]]);
for (const [k, p] of o.perLayer.entries()) io.set(`per_layer.${k}`, await t(p, [2]));
writeSafetensors(path.join(dir, 'io.safetensors'), io);
model.dispose();

const r = spawnSync('/usr/bin/python3', [path.join(root, 'bench/lpips_vgg_check.py'), dir], { encoding: 'utf8' });
process.stdout.write(r.stdout + r.stderr);
process.exit(r.status ?? 1);
