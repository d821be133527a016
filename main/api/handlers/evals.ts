// The evaluations Api (issue 16): list / get / delete evaluations, the pre-flight (model folders,
// missing samples), start an `evaluate` job (the same evaluation started again continues it), and the
// Compare view's reads: per-sample scores, samples sorted by a score or a difference, the table.
import type { EvalPreset } from '../../../shared/metrics/presets.js';
import { parseColumnKey, presetColumns, type MetricColumn } from '../../../shared/evals/metrics.js';
import { buildTable, tableCsv, tableLatex, type TableMember } from '../../../shared/evals/table.js';
import { renderGrid } from '../../evals/grid.js';
import { EvaluationInputError, evaluationScope } from '../../evals/job.js';
import { PresetInputError, resolvePresetInput } from '../../evals/preset.js';
import { readSettings } from '../../settings/index.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';
import { jobsApiError } from './jobs.js';

type EvalsMethods = Extract<keyof ApiHandlers, `evals.${string}`>;

/** A training run's config fields that differ between any two runs of one method. */
const RUN_NOT_SWITCHES = new Set(['seed', 'workers', 'backend']);

/** checkModelFolders lives with the backbones (tfjs): loaded on first use, not when the app opens. */
async function checkFolders(preset: EvalPreset, folders: Record<string, string | null>) {
  const { checkModelFolders } = await import('../../engine/metrics/backbones.js');
  return checkModelFolders(preset, folders);
}

export function evalsHandlers(ctx: AppContext): Pick<ApiHandlers, EvalsMethods> {
  const repo = ctx.store.evals;
  const resolve = (input: Parameters<typeof resolvePresetInput>[0], against: 'source' | 'target' | undefined) => {
    try {
      return resolvePresetInput(input, against ?? null);
    } catch (err) {
      if (err instanceof PresetInputError) throw new ApiError('invalid_args', err.message);
      throw err;
    }
  };
  const LIVE = ['queued', 'running', 'paused'];
  /** A row left 'queued'/'running' by a job that ended without saying (host killed, app quit): it reads as incomplete. */
  const settled = <E extends { status: string; jobId: number | null }>(e: E): E =>
    (e.status === 'queued' || e.status === 'running') && e.jobId !== null && !LIVE.includes(ctx.store.jobs.get(e.jobId)?.state ?? '') ? { ...e, status: 'incomplete' } : e;
  const requireSet = (id: number) => {
    const set = ctx.store.results.get(id);
    if (!set) throw new ApiError('not_found', `result set ${id} not found`);
    return set;
  };
  /**
   * A set's provenance as the ablation view compares it: an edit made by a training run's checkpoint
   * (directly or through a pipeline exported from it) carries the run's config as `run.<key>` fields,
   * so two rows read `run.ablation: baseline → full` rather than two folder paths (the model folder
   * is then implied by the run and left out; the run's seed and worker count are not switches).
   */
  const ablationProvenance = (set: ReturnType<typeof requireSet>): Record<string, unknown> => {
    const run = set.runId === null ? undefined : ctx.store.runs.get(set.runId);
    if (!run) return set.provenance;
    const { modelFolder: _implied, ...rest } = set.provenance as Record<string, unknown>;
    const out: Record<string, unknown> = { ...rest, 'run.kind': run.kind };
    for (const [k, v] of Object.entries(run.config)) if (!RUN_NOT_SWITCHES.has(k)) out[`run.${k}`] = v;
    return out;
  };
  return {
    'evals.list': ({ datasetId, resultSetId }) => repo.list({ datasetId, resultSetId }).map(settled),
    'evals.get': ({ id }) => {
      const e = repo.get(id);
      if (!e) throw new ApiError('not_found', `evaluation ${id} not found`);
      return settled(e);
    },
    'evals.preflight': async ({ preset: input, against, resultSetId, split }) => {
      const { preset } = resolve(input, against);
      const folders = (await checkFolders(preset, readSettings(ctx.store.settings).modelFolders)).map((c) => ({ key: c.key, metrics: [...c.metrics], dir: c.dir, ok: c.ok, problem: c.problem }));
      let expected: number | null = null;
      let missing: number | null = null;
      if (resultSetId !== undefined) {
        requireSet(resultSetId);
        const scope = evaluationScope(ctx.store, resultSetId, split ?? null);
        expected = scope.expected;
        missing = scope.missing.length;
      }
      return { preset: preset as unknown as Record<string, unknown>, folders, ok: folders.every((f) => f.ok), expected, missing };
    },
    'evals.start': async ({ resultSetId, preset: input, against, split, workers }) => {
      const set = requireSet(resultSetId);
      const { preset, sha256 } = resolve(input, against);
      const problems = (await checkFolders(preset, readSettings(ctx.store.settings).modelFolders)).filter((c) => !c.ok);
      if (problems.length > 0) {
        throw new ApiError('failed_precondition', `preset "${preset.name}" needs model folders that are not ready (Settings → model folders): ${problems.map((p) => `${p.key}: ${p.problem}`).join('; ')}`);
      }
      const scope = evaluationScope(ctx.store, resultSetId, split ?? null);
      if (scope.inScope.length === 0) {
        throw new ApiError('failed_precondition', `result set "${set.name}" has no image for any of the ${scope.expected} samples${split ? ` of split ${split}` : ''}: nothing to evaluate`);
      }
      const existing = repo.list({ resultSetId }).find((e) => e.presetSha256 === sha256 && e.against === (against ?? null) && e.split === (split ?? null));
      if (existing?.jobId != null && LIVE.includes(ctx.store.jobs.get(existing.jobId)?.state ?? '')) {
        throw new ApiError('conflict', `evaluation ${existing.id} of "${set.name}" under ${preset.name} is already running as job ${existing.jobId}`);
      }
      const { id, created } = repo.findOrCreate({ resultSetId, datasetId: set.datasetId, label: set.method, presetName: preset.name, presetSha256: sha256, preset: preset as unknown as Record<string, unknown>, against: against ?? null, split: split ?? null, jobId: null });
      let jobId: number;
      try {
        jobId = ctx.jobs.start(
          'evaluate',
          { evaluationId: id, resultSetId, preset: preset as unknown as Record<string, unknown>, against: against ?? null, split: split ?? null, codeVersion: ctx.appVersion, workers: workers ?? null },
          { title: `Evaluate "${set.name}" (${set.method}) under ${preset.name}` },
        ).id;
      } catch (err) {
        if (created) repo.delete(id);
        return jobsApiError(err);
      }
      repo.setJob(id, jobId);
      ctx.events.emit('evals.changed', { evaluationId: id, resultSetId });
      return { jobId, evaluationId: id, resumed: !created };
    },
    'evals.delete': ({ id }) => {
      const e = repo.summary(id);
      if (!e) throw new ApiError('not_found', `evaluation ${id} not found`);
      if (e.jobId !== null && LIVE.includes(ctx.store.jobs.get(e.jobId)?.state ?? '')) {
        throw new ApiError('conflict', `evaluation ${id} is being computed by job ${e.jobId}; cancel the job first`);
      }
      repo.delete(id);
      ctx.events.emit('evals.changed', { evaluationId: id, resultSetId: e.resultSetId });
      return { id };
    },
    'evals.scores': ({ evaluationIds, sampleIds }) => repo.sampleScores(evaluationIds, sampleIds),
    'evals.samples': (q) => {
      if (!ctx.store.datasets.exists(q.datasetId)) throw new ApiError('not_found', `dataset ${q.datasetId} not found`);
      for (const e of [q.sort?.evaluationId, q.sort?.minus]) if (e !== undefined && !repo.summary(e)) throw new ApiError('not_found', `evaluation ${e} not found`);
      return repo.compareSamples(q);
    },
    'evals.exportGrid': async (req) => {
      if (!ctx.store.datasets.exists(req.datasetId)) throw new ApiError('not_found', `dataset ${req.datasetId} not found`);
      try {
        return await renderGrid(ctx.store, req);
      } catch (err) {
        if (err instanceof EvaluationInputError) throw new ApiError('invalid_args', err.message);
        throw err;
      }
    },
    'evals.table': ({ resultSetIds, preset, against, grouping, columns, ablationReference }) => {
      const members: TableMember[] = [];
      const warnings: string[] = [];
      let presetJson: Record<string, unknown> | null = null;
      let presetSha256 = '';
      let presetName = preset;
      for (const rid of resultSetIds) {
        const set = requireSet(rid);
        const latest = repo.latestFor(rid, preset, against ?? null) ?? (against ? repo.latestFor(rid, `${preset}@${against}`, against) : undefined);
        if (!latest) {
          warnings.push(`"${set.name}" has no evaluation under ${preset}${against ? ` against ${against}` : ''}`);
          continue;
        }
        if (presetSha256 && latest.summary.presetSha256 !== presetSha256) warnings.push(`"${set.name}" was evaluated with another version of ${preset} (sha256 ${latest.summary.presetSha256.slice(0, 12)}): its numbers may not be comparable`);
        presetJson ??= latest.presetJson;
        presetSha256 ||= latest.summary.presetSha256;
        presetName = latest.summary.presetName;
        if (latest.summary.status !== 'complete') warnings.push(`"${set.name}": evaluation ${latest.summary.id} is ${latest.summary.status}`);
        const seed = (set.provenance as { seed?: unknown }).seed;
        members.push({ resultSetId: rid, method: set.method, seed: typeof seed === 'number' ? seed : null, evaluationId: latest.summary.id, provenance: ablationProvenance(set), aggregates: latest.aggregates });
      }
      let cols: MetricColumn[];
      if (columns) {
        cols = columns.map((k) => {
          const c = parseColumnKey(k);
          if (!c) throw new ApiError('invalid_args', `column "${k}" is not metric.region (e.g. clipI.full, lpips.outside)`);
          return c;
        });
      } else {
        let all: MetricColumn[] = [];
        try {
          if (presetJson) all = presetColumns(resolvePresetInput(presetJson).preset);
        } catch {
          warnings.push('the stored preset could not be read; columns from the stored aggregates');
        }
        if (all.length === 0) all = [...new Map(members.flatMap((m) => m.aggregates).map((a) => [`${a.metric}.${a.region}`, { metric: a.metric, region: a.region }])).values()];
        cols = all.filter((c) => c.region === 'full');
      }
      if (ablationReference !== undefined && !resultSetIds.includes(ablationReference)) throw new ApiError('invalid_args', `the ablation reference ${ablationReference} is not one of the result sets`);
      const table = buildTable({ presetName, presetSha256, grouping, columns: cols, members, warnings, ablationReference });
      return { table, csv: tableCsv(table), latex: tableLatex(table), json: JSON.stringify(table, null, 2) };
    },
  };
}
