// Decimated metric series: min and max per pixel bucket for a requested width, so a chart of a
// million-point series receives at most 2 x width points. Reads the coarsest rollup level whose
// blocks fit in a bucket (at most ~8 rows per bucket), plus raw points at the ragged edges.
import type { Db } from '../database.js';
import { ROLLUP_BASE, ROLLUP_LEVELS } from './metric-writer.js';

export interface DecimatedSeries {
  key: string;
  /** Steps and values, ascending by step; per bucket the min and the max point in step order. */
  steps: number[];
  values: number[];
  /** Points stored in the requested range. */
  count: number;
  decimated: boolean;
}

interface Extremes {
  minValue: number;
  minStep: number;
  maxValue: number;
  maxStep: number;
}

export class SeriesReader {
  private readonly bounds;
  private readonly raw;
  private readonly rollup;

  constructor(db: Db) {
    this.bounds = db.prepare<[number, string, number, string], { lo: number | null; hi: number | null }>(
      'SELECT (SELECT min(step) FROM metric_points WHERE run_id = ? AND key = ?) AS lo, (SELECT max(step) FROM metric_points WHERE run_id = ? AND key = ?) AS hi',
    );
    this.raw = db.prepare<[number, string, number, number], [number, number]>(
      'SELECT step, value FROM metric_points WHERE run_id = ? AND key = ? AND step BETWEEN ? AND ? ORDER BY step',
    );
    this.rollup = db.prepare<[number, string, number, number, number], [number, number, number, number, number, number]>(
      'SELECT block, min_value, min_step, max_value, max_step, n FROM metric_rollups WHERE run_id = ? AND key = ? AND level = ? AND block BETWEEN ? AND ? ORDER BY block',
    );
    this.raw.raw(true);
    this.rollup.raw(true);
  }

  series(runId: number, key: string, width: number, fromStep?: number, toStep?: number): DecimatedSeries {
    const b = this.bounds.get(runId, key, runId, key);
    const empty: DecimatedSeries = { key, steps: [], values: [], count: 0, decimated: false };
    if (!b || b.lo === null || b.hi === null) return empty;
    const from = Math.max(b.lo, Math.ceil(fromStep ?? b.lo));
    const to = Math.min(b.hi, Math.floor(toStep ?? b.hi));
    if (to < from) return empty;
    const span = to - from + 1;
    const bucketSteps = span / width;
    // Coarsest level whose block is no wider than a bucket.
    let level = 0;
    for (const l of ROLLUP_LEVELS) if (ROLLUP_BASE ** l <= bucketSteps) level = l;
    if (level === 0) {
      const rows = this.raw.all(runId, key, from, to);
      if (rows.length <= 2 * width) {
        return { key, steps: rows.map((r) => r[0]), values: rows.map((r) => r[1]), count: rows.length, decimated: false };
      }
      return this.bucketed(key, width, from, span, rows.length, rows.map(([s, v]) => ({ minValue: v, minStep: s, maxValue: v, maxStep: s })));
    }
    const size = ROLLUP_BASE ** level;
    const firstBlock = Math.ceil(from / size);
    const lastBlock = Math.floor((to + 1) / size) - 1;
    const parts: Extremes[] = [];
    let count = 0;
    const addRaw = (lo: number, hi: number) => {
      if (hi < lo) return;
      for (const [s, v] of this.raw.iterate(runId, key, lo, hi) as Iterable<[number, number]>) {
        parts.push({ minValue: v, minStep: s, maxValue: v, maxStep: s });
        count++;
      }
    };
    if (lastBlock < firstBlock) addRaw(from, to);
    else {
      addRaw(from, firstBlock * size - 1);
      for (const [, minValue, minStep, maxValue, maxStep, n] of this.rollup.iterate(runId, key, level, firstBlock, lastBlock) as Iterable<
        [number, number, number, number, number, number]
      >) {
        parts.push({ minValue, minStep, maxValue, maxStep });
        count += n;
      }
      addRaw((lastBlock + 1) * size, to);
    }
    return this.bucketed(key, width, from, span, count, parts);
  }

  /** Merges parts (ascending, each within one bucket by its min step) into width buckets. */
  private bucketed(key: string, width: number, from: number, span: number, count: number, parts: Extremes[]): DecimatedSeries {
    const steps: number[] = [];
    const values: number[] = [];
    let bucket = -1;
    let cur: Extremes | null = null;
    const emit = () => {
      if (!cur) return;
      if (cur.minStep === cur.maxStep) {
        steps.push(cur.minStep);
        values.push(cur.minValue);
      } else if (cur.minStep < cur.maxStep) {
        steps.push(cur.minStep, cur.maxStep);
        values.push(cur.minValue, cur.maxValue);
      } else {
        steps.push(cur.maxStep, cur.minStep);
        values.push(cur.maxValue, cur.minValue);
      }
    };
    for (const p of parts) {
      const b = Math.min(width - 1, Math.floor(((Math.min(p.minStep, p.maxStep) - from) * width) / span));
      if (b !== bucket || !cur) {
        emit();
        bucket = b;
        cur = { ...p };
      } else {
        if (p.minValue < cur.minValue) (cur.minValue = p.minValue), (cur.minStep = p.minStep);
        if (p.maxValue > cur.maxValue) (cur.maxValue = p.maxValue), (cur.maxStep = p.maxStep);
      }
    }
    emit();
    // A block that straddles two buckets may put one extreme a little past the next bucket's first
    // point; charts need ascending x, so restore the order (rare, and cheap on 2 x width points).
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]! < steps[i - 1]!) {
        const order = steps.map((_, j) => j).sort((a, c) => steps[a]! - steps[c]!);
        return { key, steps: order.map((j) => steps[j]!), values: order.map((j) => values[j]!), count, decimated: true };
      }
    }
    return { key, steps, values, count, decimated: true };
  }
}
