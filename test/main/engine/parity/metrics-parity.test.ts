// The metric backbones' parity cases (torchvision Inception-v3 with F16-stored weights, LPIPS-alex
// v0.1) on wasm at the fixtures' suggested tolerances, their folder checks, and the pytorch-fid
// block switch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.js';
import { checkPretrained, fromPretrained } from '../../../../main/engine/models/registry.js';
import type { InceptionV3 } from '../../../../main/engine/models/inception/index.js';
import { formatParityTable, runParity } from '../../../../main/engine/parity/index.js';
import { FIXTURES } from '../shared-dir.js';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('metric backbones: parity on wasm', () => {
  it('Inception-v3 (logits 2e-4, Mixed_7c and stage means 5e-4, pool3 1e-4) and LPIPS-alex (1e-4) pass', async () => {
    const results = await runParity([path.join(FIXTURES, 'metrics/inception'), path.join(FIXTURES, 'metrics/lpips')]);
    const table = formatParityTable(results);
    expect(results.map((r) => `${r.family}/${r.case} ${r.status}`), table).toEqual(['inception/case_a pass', 'lpips/alex_v0.1 pass']);
    const inception = results[0]!.tensors;
    expect(inception.length).toBe(21);
    expect(Object.fromEntries(inception.filter((t) => !t.tensor.startsWith('stage_mean.')).map((t) => [t.tensor, t.tolerance]))).toEqual({ pool3: 1e-4, logits: 2e-4, Mixed_7c: 5e-4 });
    expect(results[1]!.tensors.map((t) => t.tensor)).toContain('distance');
    // real measurements, not zeros
    expect(Math.max(...inception.map((t) => t.maxAbs))).toBeGreaterThan(0);
  }, 120_000);

  it('model check: the builder-style config.json is recognised; LPIPS takes its lin layers from lin_v0.1_<net>.safetensors', () => {
    const inc = checkPretrained(path.join(FIXTURES, 'metrics/inception/case_a'));
    // 94 BasicConv2d (conv + 4 BN tensors each) + fc; the 94 BN step counters are known and ignored
    expect([inc.modelType, inc.ok, inc.expected, inc.unexpected]).toEqual(['inception_v3', true, 94 * 5 + 2, []]);
    const lp = checkPretrained(path.join(FIXTURES, 'metrics/lpips/alex_v0.1'));
    expect([lp.modelType, lp.ok, lp.weightFiles.map((f) => path.basename(f))]).toEqual(['lpips', true, ['model.safetensors', 'lin_v0.1_alex.safetensors']]);
    // a VGG config over the AlexNet trunk names what does not fit
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-lpips-'));
    try {
      const src = path.join(FIXTURES, 'metrics/lpips/alex_v0.1');
      fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')), net: 'vgg' }));
      fs.symlinkSync(path.join(src, 'model.safetensors'), path.join(tmp, 'model.safetensors'));
      fs.symlinkSync(path.join(src, 'lin_v0.1_vgg.safetensors'), path.join(tmp, 'lin_v0.1_vgg.safetensors'));
      const r = checkPretrained(tmp);
      expect(r.ok).toBe(false);
      expect(r.missing).toContain('net.slice1.2.weight');
      expect(r.misshapen.map((m) => m.name)).toContain('net.slice1.0.weight');
      expect(r.missing.some((n) => n.startsWith('lin'))).toBe(false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('variant "pytorch-fid" (FIDInception blocks) changes only the pooling; transform_input re-maps ImageNet-normalised input to [-1, 1]', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-fid-'));
    const src = path.join(FIXTURES, 'metrics/inception/case_a');
    try {
      fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')), variant: 'pytorch-fid' }));
      fs.symlinkSync(path.join(src, 'model.safetensors'), path.join(tmp, 'model.safetensors'));
      const tv = await fromPretrained<InceptionV3>(src);
      const fid = await fromPretrained<InceptionV3>(tmp);
      expect([tv.config.variant, fid.config.variant]).toEqual(['torchvision', 'pytorch-fid']);
      const x = tf.randomUniform([1, 3, 75, 75], -1, 1, 'float32', 3);
      const a = tv.forward(x, { stageMeans: true });
      const b = fid.forward(x, { stageMeans: true });
      // the stem and the max-pooling reduction blocks are the same; the first average-pooling block differs
      const same = async (k: string) => tf.max(tf.abs(tf.sub(a.stageMeans[k]!, b.stageMeans[k]!))).data().then((d) => d[0]!);
      expect(await same('maxpool2')).toBe(0);
      expect(await same('Mixed_5b')).toBeGreaterThan(1e-6);
      tf.dispose([x, a.pool, a.logits, a.mixed7c, b.pool, b.logits, b.mixed7c, ...Object.values(a.stageMeans), ...Object.values(b.stageMeans)]);
      fid.dispose();

      // transform_input (torchvision's pretrained builder forces it): ImageNet-normalised pixels are
      // re-mapped to (p − 0.5)/0.5 inside, so they give what [-1, 1] pixels give without it.
      fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')), transform_input: true }));
      const ti = await fromPretrained<InceptionV3>(tmp);
      const p01 = tf.randomUniform([1, 3, 75, 75], 0, 1, 'float32', 4);
      const imagenet = tf.div(tf.sub(p01, tf.tensor([0.485, 0.456, 0.406], [1, 3, 1, 1])), tf.tensor([0.229, 0.224, 0.225], [1, 3, 1, 1]));
      const half = tf.div(tf.sub(p01, 0.5), 0.5);
      const [l1, l2] = [ti.forward(imagenet).logits, tv.forward(half).logits];
      expect(await tf.max(tf.abs(tf.sub(l1, l2))).data().then((d) => d[0]!)).toBeLessThan(1e-4 * (await tf.max(tf.abs(l2)).data().then((d) => d[0]!)));
      tf.dispose([p01, imagenet, half, l1, l2]);
      ti.dispose();
      tv.dispose();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
