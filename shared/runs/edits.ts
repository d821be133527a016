// The validation edits an editor run stores at every checkpoint (issue 15: run samples of kind
// `edit`, one per fixed validation sample) and the pure logic of the views that step through them —
// the training monitor's step slider and the Compare view's checkpoint slider (issue 16). No Node,
// no DOM: the main side parses stored payloads with the schema, the renderer lays the grid out.
import { z } from 'zod';

/** What the `train-editor` job writes as an `edit` run sample's payload (main/jobs/host/editor.ts). */
export const editSamplePayloadSchema = z.object({
  /** The dataset sample's external id. */
  id: z.string().min(1).max(400),
  instruction: z.string().max(4000),
  sourceSha256: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
  /** L1 on the 0..1 scale inside the mask: the edit's and the unedited source's, against the target; and outside. */
  l1In: z.number(),
  l1InSource: z.number(),
  l1Out: z.number(),
});
export type EditSamplePayload = z.infer<typeof editSamplePayloadSchema>;

export interface StepEdit {
  externalId: string;
  instruction: string;
  l1In: number;
  l1InSource: number;
}

/** The checkpoint a run shows at `step`: its last one at or before it, else its first (as runs.samples chooses). */
export function stepAtOrBefore(steps: readonly number[], step: number | undefined): number | null {
  let chosen: number | null = null;
  for (const s of steps) if (step === undefined || s <= step) chosen = s;
  return chosen ?? steps[0] ?? null;
}

/** Every run's checkpoint steps in one ascending list without repeats: the slider's stops. */
export function unionSteps(perRun: readonly (readonly number[])[]): number[] {
  return [...new Set(perRun.flat())].sort((a, b) => a - b);
}

export interface EditGridRow<E extends StepEdit> {
  externalId: string;
  instruction: string;
  /** One cell per run, in the runs' order; null where that run stored no edit of this sample. */
  cells: (E | null)[];
  /** Index of the run whose edit has the lowest inside-mask L1 (null with fewer than two edits). */
  best: number | null;
}

/**
 * Rows of the same validation sample across runs (the samples in the first run's order, then any
 * the others add), so a row compares like with like whatever order each run stored them in.
 */
export function editGrid<E extends StepEdit>(runs: readonly (readonly E[])[]): EditGridRow<E>[] {
  const order: string[] = [];
  const byRun = runs.map((edits) => new Map(edits.map((e) => [e.externalId, e])));
  for (const edits of runs) for (const e of edits) if (!order.includes(e.externalId)) order.push(e.externalId);
  return order.map((externalId) => {
    const cells = byRun.map((m) => m.get(externalId) ?? null);
    const first = cells.find((c): c is E => c !== null)!;
    let best: number | null = null;
    if (cells.filter((c) => c !== null).length > 1)
      cells.forEach((c, i) => {
        if (c && (best === null || c.l1In < cells[best]!.l1In)) best = i;
      });
    return { externalId, instruction: first.instruction, cells, best };
  });
}

/** Mean inside-mask L1 of a run's edits and of the unedited sources, and how many edits beat their source. */
export function editSummary(edits: readonly StepEdit[]): { n: number; l1In: number | null; l1InSource: number | null; beatsSource: number } {
  const n = edits.length;
  if (!n) return { n, l1In: null, l1InSource: null, beatsSource: 0 };
  return {
    n,
    l1In: edits.reduce((s, e) => s + e.l1In, 0) / n,
    l1InSource: edits.reduce((s, e) => s + e.l1InSource, 0) / n,
    beatsSource: edits.filter((e) => e.l1In < e.l1InSource).length,
  };
}
