// `ric caption`: scene or region descriptions for a dataset, by a VLM endpoint or (ShapesEdit) the
// scene-graph template. Queued like `ric import`: the job runs in the job queue's light engine host
// (main/jobs), the same code the app runs; Ctrl-C cancels cleanly, and running it again resumes
// (samples finished by an earlier, maybe killed, run are skipped).
import { Command, Option } from 'commander';
import { captionGenerateArgsSchema, captionJobReportSchema, type CaptionJobReport, type DescribedImage } from '../../../shared/api/captions.js';
import { plainIssueMessage } from '../../../shared/api/wording.js';
import { CliError, printResult } from '../output.js';
import { intOption } from '../options.js';
import { followJob } from '../follow.js';
import { withApi } from '../session.js';

export interface CaptionCliOptions {
  dataset: string;
  kind: 'scene' | 'region';
  endpoint?: string;
  model?: string;
  concurrency: number;
  onlyMissing?: boolean;
  includeReviewed?: boolean;
  template?: boolean;
  timeoutMs: number;
  retries: number;
  maxTokens?: number;
  imageUrlForm: 'auto' | 'object' | 'string';
  image?: DescribedImage;
  split?: 'train' | 'val' | 'test';
  editType?: string;
  json?: boolean;
}


export function captionCommand(dataDir: () => string): Command {
  return new Command('caption')
    .description('write scene or region descriptions for a dataset with a VLM (OpenAI-compatible endpoint) or the ShapesEdit template')
    .requiredOption('--dataset <D>', 'dataset id or name')
    .addOption(new Option('--kind <kind>', 'scene (long, for BLIP) or region (short, for CLIP)').choices(['scene', 'region']).makeOptionMandatory())
    .option('--endpoint <url>', 'chat-completions base URL, e.g. http://127.0.0.1:8000/v1 (default: Settings)')
    .option('--model <name>', 'model name to ask for (default: Settings)')
    .option('--concurrency <n>', 'requests in flight', intOption(1, 64), 4)
    .option('--only-missing', 'skip samples that already have any caption of this kind')
    .option('--include-reviewed', 'also re-describe samples whose current caption is approved or written by a person')
    .option('--template', 'exact descriptions from the ShapesEdit scene graph instead of a VLM')
    .option('--timeout-ms <ms>', 'per request', intOption(100, 3_600_000), 120_000)
    .option('--retries <n>', 'retries per request (429/503 honour Retry-After)', intOption(0, 10), 3)
    .option('--max-tokens <n>', 'answer length (default 520 scene, 77 region)', intOption(1, 8192))
    .addOption(new Option('--image-url-form <form>', 'image part form').choices(['auto', 'object', 'string']).default('auto'))
    .addOption(new Option('--image <which>', 'which image to describe (default: the setting, target)').choices(['target', 'source']))
    .addOption(new Option('--split <split>', 'only this split').choices(['train', 'val', 'test']))
    .option('--edit-type <type>', 'only this edit type')
    .option('--json', 'one JSON report on stdout: written, fromCache, failed (sample id and reason)')
    .action(async (opts: CaptionCliOptions) => {
      await caption(dataDir(), opts);
    });
}

export async function caption(dataDir: string, opts: CaptionCliOptions): Promise<void> {
  await withApi(dataDir, async (api) => {
    const dataset = await api.call('datasets.resolve', { ref: opts.dataset });
    const vlm = (await api.call('settings.get', {})).vlm;
    const captioner = opts.template ? 'template' : 'vlm';
    // Checked here too, so a bad option is named as the option it is.
    const parsed = captionGenerateArgsSchema.safeParse(
      {
        datasetId: dataset.id,
        kind: opts.kind,
        captioner,
        ...(captioner === 'vlm' ? { endpoint: opts.endpoint ?? vlm.baseUrl ?? undefined, model: opts.model ?? vlm.model ?? undefined } : {}),
        concurrency: opts.concurrency,
        onlyMissing: opts.onlyMissing === true,
        includeReviewed: opts.includeReviewed === true,
        timeoutMs: opts.timeoutMs,
        maxRetries: opts.retries,
        ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
        imageUrlForm: opts.imageUrlForm,
        ...(opts.split ? { split: opts.split } : {}),
        ...(opts.editType ? { editType: opts.editType } : {}),
        ...(opts.image ? { image: opts.image } : {}),
      },
      { error: plainIssueMessage },
    );
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const flag = String(issue?.path[0] ?? 'options').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new CliError(`--${flag} ${issue?.message ?? 'is not valid'}`);
    }
    if (parsed.data.captioner === 'vlm' && (!parsed.data.endpoint || !parsed.data.model)) {
      throw new CliError('a VLM caption job needs an endpoint URL and a model name (--endpoint and --model, or Settings, VLM endpoint)');
    }
    let lastLine = 0;
    let lastDone = -1;
    const job = await followJob(api, async () => (await api.call('captions.generate', parsed.data)).jobId, {
      onProgress: (p) => {
        if (p.state !== 'running') return; // the report follows the last one
        if (p.done === lastDone || (Date.now() - lastLine < 2000 && p.done !== p.total)) return; // one line per count
        lastLine = Date.now();
        lastDone = p.done;
        const eta = p.etaSeconds !== null && p.done !== p.total ? `, about ${Math.ceil(p.etaSeconds)} s left` : '';
        process.stderr.write(`caption job ${p.jobId}: ${p.done}/${p.total ?? '?'}${eta}\n`);
      },
    });
    const jobId = job.id;
    // A failed job keeps the partial report of the samples it did; the error is what to print then.
    const report = captionJobReportSchema.safeParse(job.state === 'completed' || job.state === 'cancelled' ? job.result : null);
    if (!report.success) throw new CliError(`caption job ${jobId} ${job.state}${job.error ? `: ${job.error}` : ' without a report'}`);
    const r = report.data;
    printResult(opts, { ok: r.failed.length === 0 && !r.cancelled, ...r }, () => human(r));
    if (r.cancelled) process.exitCode = 130;
    else if (r.failed.length > 0) process.exitCode = 2;
  });
}

function human(r: CaptionJobReport): string {
  const lines = [
    `caption job ${r.jobId}: ${r.kind} descriptions by ${r.model}${r.templateVersion ? ` (template v${r.templateVersion})` : ''}${r.cancelled ? ' — cancelled' : ''}`,
    `  selected ${r.selected}, skipped ${r.skipped} (already done or reviewed)`,
    `  written ${r.written}, from cache ${r.fromCache}, failed ${r.failed.length}  (${(r.durationMs / 1000).toFixed(1)} s)`,
    ...r.failed.slice(0, 50).map((f) => `  failed ${f.externalId} (sample ${f.sampleId}): ${f.reason}`),
  ];
  if (r.failed.length > 50) lines.push(`  ... and ${r.failed.length - 50} more (--json lists all)`);
  return lines.join('\n');
}
