// Seconds per step of a planned editor run from the editor runs this store has measured (issue 19's
// "GPU-hours from measured step times"). The editor's step cost is not one figure per kind as the
// embedding trainers' roughly is: it grows with the batch (each step is batch_size forward/backward
// passes through the UNet, and the region and global terms decode and encode every sample), with
// the resolution (the UNet's work scales with the pixel count) and with the model (the tiny 1 M
// parameter pixel-space UNet vs an InstructPix2Pix pipeline), and the full loss adds the frozen
// Region-CLIP and BLIP towers' passes that the baseline does not run. So a measurement is kept as
// seconds per SAMPLE (step_time_ms / batch_size, the trainer's own per-step wall time), only runs at
// the same resolution and model count, and the run's batch size scales it back up. A measurement
// of another loss row (ablation) is used only when none of the same row exists, and the preview
// says so. Runs whose stored config is not the trainer's full config (a cluster placeholder before
// it is collected holds only its overrides) are not measurements.
import type { Store } from '../store/index.js';

interface EditorShape {
  batch: number;
  resolution: number;
  /** 'tiny' (the from-scratch pixel-space pipeline) or 'pipeline' (a pretrained pipeline folder) */
  model: 'tiny' | 'pipeline';
  ablation: string;
}

export interface EditorMeasurement extends EditorShape {
  secondsPerSample: number;
}

/** What a full editor config says about a step's cost; null when it is not a full config. */
export function editorShape(config: Record<string, unknown>): EditorShape | null {
  const { batch_size: batch, resolution, ablation, pipeline, tiny_pipeline: tiny } = config;
  if (typeof batch !== 'number' || batch < 1 || typeof resolution !== 'number' || resolution < 1 || typeof ablation !== 'string') return null;
  const model = typeof pipeline === 'string' ? 'pipeline' : tiny !== null && typeof tiny === 'object' ? 'tiny' : null;
  return model === null ? null : { batch, resolution, model, ablation };
}

/** The last 50 editor runs' seconds per sample (their last step_time_ms over their batch size). */
export function measuredEditorRuns(store: Store): EditorMeasurement[] {
  const out: EditorMeasurement[] = [];
  for (const r of store.runs.list({ kind: 'editor', sort: 'created', order: 'desc', limit: 50 })) {
    const detail = store.runs.get(r.id);
    const shape = detail ? editorShape(detail.config) : null;
    const t = detail?.latest.find((m) => m.key === 'step_time_ms');
    if (shape && t && t.value > 0) out.push({ ...shape, secondsPerSample: t.value / 1000 / shape.batch });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Seconds per step for a run of this full config, with how it was found; null when nothing comparable was measured. */
export function editorStepSeconds(measured: readonly EditorMeasurement[], config: Record<string, unknown>): { seconds: number; runs: number; sameRow: boolean } | null {
  const shape = editorShape(config);
  if (!shape) return null;
  const comparable = measured.filter((m) => m.resolution === shape.resolution && m.model === shape.model);
  const sameRow = comparable.filter((m) => m.ablation === shape.ablation);
  const use = sameRow.length ? sameRow : comparable;
  if (!use.length) return null;
  return { seconds: median(use.map((m) => m.secondsPerSample)) * shape.batch, runs: use.length, sameRow: sameRow.length > 0 };
}
