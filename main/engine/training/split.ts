// Train/validation split of a trainer's pairs: the dataset's own split when it has validation
// samples, else a seeded hold-out of `valFraction` (recorded on the run through the config).
import { epochOrder } from './optim.js';

export function splitPairs<P extends { split: 'train' | 'val' }>(pairs: readonly P[], valFraction: number, seed: number): { train: P[]; val: P[]; source: 'dataset' | 'holdout' } {
  const val = pairs.filter((p) => p.split === 'val');
  if (val.length >= 2) return { train: pairs.filter((p) => p.split !== 'val'), val, source: 'dataset' };
  const order = epochOrder(pairs.length, seed ^ 0x5eed, 0);
  const nVal = Math.max(2, Math.round(pairs.length * valFraction));
  if (pairs.length - nVal < 2) throw new Error(`${pairs.length} pairs are too few to hold out ${nVal} for validation and still train`);
  const valSet = new Set(order.slice(0, nVal));
  return { train: pairs.filter((_, i) => !valSet.has(i)), val: pairs.filter((_, i) => valSet.has(i)), source: 'holdout' };
}
