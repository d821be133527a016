// runs.edits: the validation edits editor runs stored at their checkpoints (run samples of kind
// `edit`, written by the train-editor job), each beside its dataset sample's source and ground truth,
// for the training monitor's step slider and the Compare view's checkpoint slider. Stored payloads
// are parsed once with their schema; a row that does not parse is named, not shown half.
import type { RunEdit, RunEdits } from '../../../shared/api/index.js';
import { editSamplePayloadSchema, unionSteps } from '../../../shared/runs/index.js';
import type { Store } from '../../store/index.js';
import { ApiError } from '../errors.js';

export function runEdits(store: Store, runIds: readonly number[], step: number | undefined): { steps: number[]; runs: RunEdits[] } {
  const runs = [...new Set(runIds)].map((runId): RunEdits => {
    const run = store.runs.get(runId);
    if (!run) throw new ApiError('not_found', `run ${runId} not found`);
    const stored = store.runs.samples(runId, step, 'edit');
    const problems: string[] = [];
    const parsed = stored.samples.flatMap((s) => {
      const p = editSamplePayloadSchema.safeParse(s.payload);
      if (p.success) return [{ row: s, payload: p.data }];
      const issue = p.error.issues[0];
      problems.push(`run ${runId} step ${s.step}: stored edit ${s.id} has no valid ${issue?.path.join('.') || 'payload'} (${issue?.message ?? 'unreadable'})`);
      return [];
    });
    const images = run.datasetId === null ? new Map() : store.samples.imagesByExternalId(run.datasetId, parsed.map((x) => x.payload.id));
    const edits = parsed.map(({ row, payload }): RunEdit => {
      const sample = images.get(payload.id);
      return {
        sampleId: sample?.id ?? null,
        externalId: payload.id,
        instruction: payload.instruction,
        editedSha256: row.blobSha256,
        sourceSha256: sample?.sourceSha256 ?? payload.sourceSha256 ?? null,
        targetSha256: sample?.targetSha256 ?? null,
        l1In: payload.l1In,
        l1InSource: payload.l1InSource,
        l1Out: payload.l1Out,
      };
    });
    const ablation = run.config['ablation'];
    return {
      runId,
      name: run.name,
      status: run.status,
      ablation: typeof ablation === 'string' ? ablation : null,
      seed: run.seed,
      steps: stored.steps,
      step: stored.step,
      edits,
      problems,
    };
  });
  return { steps: unionSteps(runs.map((r) => r.steps)), runs };
}
