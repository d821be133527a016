// `ric eval --results NAME [--against source|target] --preset P [--json]`: evaluate a result set
// under a preset as an `evaluate` job (issue 16), through the Api like the window's Evaluate button.
// Running it again continues the same evaluation: samples scored by an earlier (maybe killed) run are
// kept. Ctrl-C cancels; the evaluation stays resumable. Prints the aggregates with n per metric.
import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { ApiClient } from '../../../shared/api/client.js';
import type { EvaluationDetail, PresetInput } from '../../../shared/api/evals.js';
import { columnLabel, METRIC_INFO } from '../../../shared/evals/metrics.js';
import { CliError, printResult } from '../output.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';
import { workersArg } from './train.js';

export interface EvalCliOptions {
  results: string;
  dataset?: string;
  preset: string;
  against?: 'source' | 'target';
  split?: 'train' | 'val' | 'test';
  json?: boolean;
  workers?: 'auto' | number;
}

export function evalCommand(dataDir: () => string): Command {
  return new Command('eval')
    .description("evaluate a result set under a metrics preset (magicbrush, ric-authors, exact, shapes, shapes-paper, or a preset JSON file); run again to resume")
    .requiredOption('--results <name>', 'result set name (or id)')
    .option('--dataset <D>', 'the dataset the result set belongs to (id or name), when several have a set of that name')
    .requiredOption('--preset <P>', 'built-in preset name, or a .json file with a whole preset or {"base", "name", "changes"}')
    .addOption(new Option('--against <ref>', 'compare with this image in every paired metric (renames the preset <P>@<ref>)').choices(['source', 'target']))
    .addOption(new Option('--split <split>', 'only the samples of this split').choices(['train', 'val', 'test']))
    .option('--workers <n>', 'tensor workers scoring samples at once on a CPU backend: auto (the cores) or N (default: $RIC_ENGINE_WORKERS, else Settings → tensor workers)', workersArg)
    .option('--json', 'the evaluation (preset, models, aggregates, warnings, missing samples) as JSON on stdout')
    .action(async (opts: EvalCliOptions) => {
      await evaluate(dataDir(), opts);
    });
}

function presetInput(p: string): PresetInput {
  if (!p.toLowerCase().endsWith('.json')) return p;
  let text: string;
  try {
    const stat = fs.statSync(p);
    if (stat.size > 1_000_000) throw new CliError(`--preset ${p}: ${stat.size} bytes; a preset file is at most 1 MB`);
    text = fs.readFileSync(p, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`--preset ${p}: cannot read the file (${(err as Error).message})`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as PresetInput;
  } catch (err) {
    throw new CliError(`--preset ${p}: not a preset (${(err as Error).message})`);
  }
}

async function findResultSet(api: ApiClient, name: string, dataset: string | undefined): Promise<number> {
  const datasets = dataset ? [await api.call('datasets.resolve', { ref: dataset })] : await api.call('datasets.list', {});
  const found: { id: number; datasetName: string }[] = [];
  for (const d of datasets) for (const s of await api.call('results.list', { datasetId: d.id })) if (s.name === name || String(s.id) === name) found.push(s);
  if (found.length === 0) throw new CliError(`no result set named "${name}"${dataset ? ` in dataset ${dataset}` : ''} (ric results list, or import one with ric import results)`);
  if (found.length > 1) throw new CliError(`${found.length} result sets are named "${name}" (datasets ${found.map((s) => s.datasetName).join(', ')}): say which with --dataset`);
  return found[0]!.id;
}

export async function evaluate(dataDir: string, opts: EvalCliOptions): Promise<void> {
  const preset = presetInput(opts.preset);
  await withApi(dataDir, async (api) => {
    const resultSetId = await findResultSet(api, opts.results, opts.dataset);
    const args = { resultSetId, preset, ...(opts.against ? { against: opts.against } : {}), ...(opts.split ? { split: opts.split } : {}) };
    const pre = await api.call('evals.preflight', args);
    if (!pre.ok) throw new CliError(`model folders not ready:\n${pre.folders.filter((f) => !f.ok).map((f) => `  ${f.key} (${f.metrics.join(', ')}): ${f.problem}`).join('\n')}\nset them in Settings → model folders (or ric settings)`);
    let evaluationId = -1;
    let lastLine = 0;
    const job = await followJob(
      api,
      async () => {
        const started = await api.call('evals.start', { ...args, ...(opts.workers !== undefined ? { workers: opts.workers } : {}) });
        evaluationId = started.evaluationId;
        if (started.resumed) process.stderr.write(`continuing evaluation ${started.evaluationId} (samples already scored are kept)\n`);
        return started.jobId;
      },
      {
        onProgress: (p) => {
          if (p.state !== 'running' || (Date.now() - lastLine < 2000 && p.done !== p.total)) return;
          lastLine = Date.now();
          process.stderr.write(`evaluate job ${p.jobId}: ${p.done}/${p.total ?? '?'}\n`);
        },
      },
    );
    const jobId = job.id;
    const detail = await api.call('evals.get', { id: evaluationId });
    printResult(opts, { ok: job.state === 'completed', job: { id: jobId, state: job.state, error: job.error }, evaluation: detail }, () => human(detail, job.state, job.error));
    if (job.state === 'cancelled') process.exitCode = 130;
    else if (job.state !== 'completed') process.exitCode = 1;
    else if (detail.errors > 0) process.exitCode = 2;
  });
}

function human(d: EvaluationDetail, state: string, error: string | null): string {
  const lines = [`evaluation ${d.id}: "${d.resultSetName}" (${d.method}) under ${d.presetName} — job ${state}${error ? `: ${error}` : ''}`];
  lines.push(`  samples: ${d.expected ?? '?'} in scope, ${d.done} scored, ${d.errors} failed, ${d.missing} without an image`);
  for (const a of d.aggregates) {
    const label = columnLabel({ metric: a.metric, region: a.region }).padEnd(20);
    const digits = METRIC_INFO[a.metric].digits;
    lines.push(`  ${label} ${a.mean === null ? '—' : a.mean.toFixed(digits)}${a.std === null ? '' : ` ± ${a.std.toFixed(digits)}`}  (n = ${a.n})`);
  }
  for (const m of d.models) lines.push(`  model ${m.key}: ${m.dir} (config sha256 ${m.configSha256.slice(0, 12)})`);
  for (const w of d.warnings) lines.push(`  warning: ${w}`);
  for (const e of d.sampleErrors.slice(0, 10)) lines.push(`  error: ${e.externalId}: ${e.reason}`);
  if (d.sampleErrors.length > 10) lines.push(`  … ${d.sampleErrors.length - 10} more errors (--json)`);
  return lines.join('\n');
}
