// What an edit's pixels depend on, in one place for the Api's pre-flight (main/api) and the job that
// runs it (host/edit.ts): the provenance of a result set, the settings a re-run must share to fill
// in an existing set, and the per-sample seed rule.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EditProvenance } from '../../shared/api/results.js';
import { readExportMarker } from '../engine/training/editor/export.js';
import type { Store } from '../store/index.js';

/**
 * The run and checkpoint a model folder is (or lies inside) when it is one of this store's training
 * checkpoints — or a pipeline exported from one, whose export marker names it — else nulls: the
 * result set records them, so the run's bundle carries its edits and the ablation view reads the
 * run's switches.
 */
export function runCheckpointOf(store: Pick<Store, 'dataDir' | 'runs'>, modelFolder: string): { runId: number | null; checkpointId: number | null } {
  const none = { runId: null, checkpointId: null };
  if (!modelFolder) return none;
  const inside = (rel: string) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  const rel = path.relative(store.dataDir, path.resolve(modelFolder));
  const found = inside(rel) ? store.runs.checkpointOfFolder(rel) : undefined;
  if (found) return found;
  const marker = readExportMarker(modelFolder);
  if (!marker || !inside(path.normalize(marker.checkpoint))) return none;
  // The marker is only a claim: it counts when this store has that checkpoint in that run.
  const claimed = store.runs.checkpointOfFolder(path.normalize(marker.checkpoint));
  return claimed && claimed.runId === marker.runId ? claimed : none;
}

/** The rule, as recorded in the provenance. */
export const SEED_RULE = 'first 4 bytes of sha256("<seed>:<externalId>") as a big-endian uint32, >>> 1';

/** Each sample's seed: from the job's seed and the sample's id in its source dataset, so a re-run or another data folder gets the same noise. */
export function sampleSeed(seed: number, externalId: string): number {
  return createHash('sha256').update(`${seed}:${externalId}`).digest().readUInt32BE(0) >>> 1;
}

/** The fields that change an edit's pixels (backend, workers and layout change them only by rounding). */
export const PIXEL_SETTINGS = ['modelFolder', 'configSha256', 'scheduler', 'steps', 'guidanceScale', 'imageGuidanceScale', 'seed', 'seedRule', 'resolution', 'instruction'] as const;

export type PixelSettings = Pick<EditProvenance, (typeof PIXEL_SETTINGS)[number]>;

/** The settings in which `stored` (a set's provenance) and `next` differ, described for a message; empty when a re-run may fill the set. */
export function settingsDiffer(stored: Record<string, unknown>, next: PixelSettings): string[] {
  return PIXEL_SETTINGS.filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(next[k])).map(
    (k) => `${k} ${JSON.stringify(stored[k] ?? null)} → ${JSON.stringify(next[k])}`,
  );
}
