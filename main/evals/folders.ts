// What an evaluation records of each model folder it used (issue 16: "the model folders' hashes"):
// the sha256 over the folder's *.json files (config, tokenizer, preprocessor: what decides how the
// model behaves besides its weights) and the weight files with their sizes — the weights themselves
// (hundreds of MB) are not hashed on every run; two folders with the same configs and weight sizes
// are told apart by their path, which is recorded too. The same rule as result sets' provenance.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelRecord } from '../../shared/api/evals.js';

const WEIGHT_EXT = /\.(safetensors|bin|pth|pt|ckpt)$/i;

export function modelRecord(key: string, dir: string, metrics: readonly string[]): ModelRecord {
  const names = fs.readdirSync(dir).sort();
  const hash = crypto.createHash('sha256');
  const configFiles: string[] = [];
  const weightFiles: { file: string; bytes: number }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = fs.statSync(file);
    if (!stat.isFile()) continue;
    if (name.toLowerCase().endsWith('.json')) {
      configFiles.push(name);
      hash.update(name).update('\0').update(fs.readFileSync(file)).update('\0');
    } else if (WEIGHT_EXT.test(name)) weightFiles.push({ file: name, bytes: stat.size });
  }
  return { key, dir, metrics: [...metrics], configSha256: hash.digest('hex'), configFiles, weightFiles };
}
