// `ric demo [--quick] [--seeds N] [--train-base [--base-steps N]] [--json]`: the ShapesEdit demo
// project as one chain of ordinary jobs (issue 18) — dataset, approved template captions, Region-CLIP,
// BLIP, the tiny editor fine-tuned five ways from one base editor × seeds, edits of the held-out
// split, evaluation — ending in the ablation table, printed here and one click away in the app.
// Progress on stderr: the stage, its job and that job's progress. Ctrl-C cancels the current job;
// running the same command again continues where it stopped (each stage finds done work in the store).
import fs from 'node:fs';
import { Command } from 'commander';
import type { ApiClient } from '../../../shared/api/client.js';
import { demoVerdict, FINAL_JOB_STATES, type DemoStartArgs, type DemoStatus, type TableModel } from '../../../shared/api/index.js';
import { CliError, printResult } from '../output.js';
import { intOption } from '../options.js';
import { onStopSignal, settled } from '../follow.js';
import { withApi } from '../session.js';
import { progressLine } from './import.js';
import { readTrainConfig } from './train.js';

interface DemoCliOptions {
  quick?: boolean;
  seeds?: number;
  trainBase?: boolean;
  baseSteps?: number;
  count?: number;
  editorSteps?: number;
  editSteps?: number;
  config?: string;
  data?: string;
  json?: boolean;
  progress?: boolean;
}


const FINAL = ['completed', 'failed', 'cancelled', 'interrupted'];

/** The table as text: one row per variant, mean ± std over seeds, the best per column marked with *. */
export function tableText(t: TableModel): string {
  const head = ['method', ...t.columns.map((c) => `${c.label} ${c.better === 'higher' ? '↑' : '↓'}`)];
  const rows = t.rows.map((r) => [
    `${r.label}${r.resultSetIds.length > 1 ? ` (${r.resultSetIds.length} seeds)` : ''}`,
    ...t.columns.map((c) => {
      const cell = r.cells[c.key];
      if (!cell || cell.mean === null) return '—';
      const std = cell.std !== null && cell.stdOver === 'seeds' ? ` ± ${cell.std.toFixed(c.digits)}` : '';
      return `${cell.mean.toFixed(c.digits)}${std}${cell.best ? ' *' : ''}`;
    }),
  ]);
  const widths = head.map((_, i) => Math.max(...[head, ...rows].map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line), ...t.warnings.map((w) => `note: ${w}`)].join('\n');
}

async function runDemo(api: ApiClient, args: DemoStartArgs, opts: DemoCliOptions): Promise<DemoStatus> {
  const tty = process.stderr.isTTY === true;
  const show = opts.progress !== false;
  let status = await api.call('demo.start', args);
  const chainId = status.id;
  let lastStage = '';
  let lastPrint = 0;
  const stageLine = (s: DemoStatus) => {
    const i = s.stages.findIndex((x) => x.state === 'running');
    return i >= 0 ? `[${i + 1}/${s.stages.length}] ${s.stages[i]!.label}` : '';
  };
  /** The chain as it is now, with a line on stderr when another stage has started. */
  const read = async () => {
    status = (await api.call('demo.status', {})) ?? status;
    const line = stageLine(status);
    if (show && line && line !== lastStage) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
    lastStage = line || lastStage;
    return status;
  };
  const offs = [
    api.on('job.progress', (p) => {
      if (!show || FINAL_JOB_STATES.includes(p.state)) return;
      const current = status.stages.find((x) => x.state === 'running');
      if (!current || current.jobId !== p.jobId) return;
      const line = `  job ${p.jobId}: ${progressLine(p, 24, ['item', 'items'])}${p.message ? ` ${p.message}` : ''}`;
      const now = Date.now();
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (now - lastPrint > 10_000) {
        lastPrint = now;
        process.stderr.write(`${line}\n`);
      }
    }),
    onStopSignal(() => void api.call('demo.cancel', {}).catch(() => undefined), 'ric: cancelling the demo (its current job stops; run the same command again to continue)'),
  ];
  if (show) process.stderr.write(`demo chain ${chainId}: ${status.stages.length} stages\n${stageLine(status)}\n`);
  lastStage = stageLine(status);
  try {
    // The chain's changes wake the check; every 2 s is the fallback.
    if (!FINAL.includes(status.state)) {
      status = await settled(read, (s) => FINAL.includes(s.state), (wake) => api.on('demo.changed', (e) => e.id === chainId && wake()), 2000);
    }
  } finally {
    for (const off of offs) off();
  }
  if (tty && show) process.stderr.write('\r\x1b[K');
  return status;
}

export function demoCommand(dataDir: () => string): Command {
  return new Command('demo')
    .description('create the ShapesEdit demo project: dataset → approved captions → Region-CLIP → BLIP → the tiny editor fine-tuned five ways (Tables 2–3) × seeds → edits → evaluation → the ablation table; re-running continues')
    .option('--quick', 'baseline and the full method, one seed (a few minutes)')
    .option('--seeds <n>', 'seeds per variant (default 3; --quick: 1)', intOption(1, 10))
    .option('--train-base', 'train the base editor here with the denoising loss (instead of the shipped resources/base-editor)')
    .option('--base-steps <n>', 'steps of the base editor with --train-base (default: the base preset\'s 20000; fewer make a weaker base)', intOption(1, 1_000_000))
    .option('--count <n>', 'ShapesEdit samples to generate (default 600; ~10% form the held-out split that is edited and scored)', intOption(16, 100_000))
    .option('--editor-steps <n>', 'fine-tuning steps per variant (default 60)', intOption(1, 100_000))
    .option('--edit-steps <n>', 'DDIM steps per edit (default 10)', intOption(1, 1000))
    .option('--config <file>', 'JSON: {"regionclip": {...}, "blip": {...}, "editor": {...}, "base": {...}} — each stage\'s trainer config overrides')
    .option('--data <dir>', 'the project folder (as ric --data)')
    .option('--no-progress', 'no progress on stderr')
    .option('--json', 'the chain (stages, jobs, result sets, the table) as one JSON document')
    .action(async (opts: DemoCliOptions) => {
      const config = opts.config ? readTrainConfig(opts.config) : {};
      for (const k of Object.keys(config)) if (!['regionclip', 'blip', 'editor', 'base'].includes(k)) throw new CliError(`${opts.config}: unknown stage "${k}" (known: regionclip, blip, editor, base)`);
      if (opts.baseSteps !== undefined && !opts.trainBase) throw new CliError('--base-steps goes with --train-base');
      // Only what was given: the rest comes from $RIC_DEMO_DEFAULTS, else the demo's defaults.
      const args: DemoStartArgs = {
        ...(opts.quick ? { quick: true } : {}),
        ...(opts.trainBase ? { trainBase: true } : {}),
        ...(opts.config ? { config: config as DemoStartArgs['config'] } : {}),
        ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
        ...(opts.baseSteps !== undefined ? { baseSteps: opts.baseSteps } : {}),
        ...(opts.count !== undefined ? { count: opts.count } : {}),
        ...(opts.editorSteps !== undefined ? { editorSteps: opts.editorSteps } : {}),
        ...(opts.editSteps !== undefined ? { editSteps: opts.editSteps } : {}),
      };
      const dir = opts.data ?? dataDir();
      if (opts.data) fs.mkdirSync(opts.data, { recursive: true });
      const status = await withApi(dir, (api) => runDemo(api, args, opts));
      printResult(opts, { ok: status.state === 'completed', ...status }, () => {
        if (status.state !== 'completed' || !status.result) {
          const failed = status.stages.find((s) => s.state === 'failed' || s.state === 'cancelled');
          return `demo ${status.state}${status.error ? `: ${status.error}` : ''}${failed?.jobId ? ` (job ${failed.jobId}: ric jobs show ${failed.jobId})` : ''}\nrun the same command again to continue where it stopped`;
        }
        return [
          `The ablation table (${status.result.preset} preset, held-out split, mean ± std over seeds; * best per column):`,
          tableText(status.result.table),
          '',
          ...demoVerdict(status.result.table),
          '',
          `In the app: ric serve${opts.data ? ` --data ${opts.data}` : ''}, then Commands → "Create the demo project…" (#/demo) shows this table, one click from the Compare view of the editors on the same samples.`,
        ].join('\n');
      });
      if (status.state === 'cancelled') process.exitCode = 130;
      else if (status.state !== 'completed') process.exitCode = 1;
    });
}
