// `ric model check DIR` (config + weight headers: missing, unexpected, misshapen, wrong-dtype
// tensors) and `ric model parity DIR...` (every parity case under the folders: a table of max
// absolute/relative error against tolerance; non-zero exit on any failure).
import { Command, InvalidArgumentError, Option } from 'commander';
import { tensorBackendNames, type TensorBackendName } from '../../../shared/api/system.js';
import { CliError, printResult } from '../output.js';

function parseTolerance(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number, e.g. 1e-4');
  return n;
}

// The engine (and TensorFlow.js) loads only when a model command runs, so other commands start fast.
export async function modelCheck(dir: string, opts: { json?: boolean }): Promise<void> {
  const { checkPretrained, describeProblems } = await import('../../engine/models/registry.js');
  let report;
  try {
    report = checkPretrained(dir);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  printResult(opts, report, () =>
    [
      `${report.dir}: ${report.architecture} (model_type ${report.modelType}), ${report.expected} tensors, ${report.numParams.toLocaleString('en')} parameters`,
      `weights: ${report.weightFiles.join(', ')}`,
      report.ok ? 'all expected tensors present with the right shapes and dtypes' : describeProblems(report),
      report.unexpected.length ? `unexpected tensors (not used): ${report.unexpected.join(', ')}` : 'no unexpected tensors',
    ].join('\n'),
  );
  if (!report.ok) process.exitCode = 1;
}

export async function modelParity(dirs: string[], opts: { json?: boolean; tol?: number; backend?: 'auto' | TensorBackendName; allowSoftwareGpu?: boolean }): Promise<void> {
  const { backendOptionsFromEnv, initBackend } = await import('../../engine/backend.js');
  const { ModelLoadError } = await import('../../engine/models/registry.js');
  const { formatParityTable, runParity } = await import('../../engine/parity/index.js');
  const env = backendOptionsFromEnv();
  const backend = await initBackend({ prefer: opts.backend ?? env.prefer, allowSoftwareGpu: opts.allowSoftwareGpu ?? env.allowSoftwareGpu });
  let results;
  try {
    results = await runParity(dirs, opts.tol !== undefined ? { tolerance: opts.tol } : {});
  } catch (err) {
    throw new CliError(err instanceof ModelLoadError ? err.message : (err as Error).message);
  }
  const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
  printResult(opts, { ok: failed.length === 0, backend: backend.active, cases: results }, () => `backend: ${backend.active}\n${formatParityTable(results)}`);
  if (results.every((r) => r.status === 'skipped')) throw new CliError(`no case under ${dirs.join(', ')} has a runner (${results.length} cases found)`);
  if (failed.length) process.exitCode = 1;
}

export function modelCommand(): Command {
  const model = new Command('model').description('check model folders and prove numerical parity with the reference implementations');
  model
    .command('check')
    .description('load config.json + safetensors headers; report missing, unexpected and misshapen tensors')
    .argument('<dir>', 'a Hugging Face model folder (config.json + model.safetensors)')
    .option('--json', 'one JSON document on stdout')
    .action(async (dir: string, opts: { json?: boolean }) => {
      await modelCheck(dir, opts);
    });
  model
    .command('parity')
    .description('run every parity case (README.json manifests) under the folders; table of errors vs tolerance')
    .argument('<dirs...>', 'folders to search for case manifests')
    .option('--json', 'one JSON document on stdout')
    .option('--tol <x>', "tolerance (absolute and relative) for every tensor, overriding each family's default", parseTolerance)
    .addOption(new Option('--backend <name>', 'tensor backend (default: $RIC_BACKEND, else auto)').choices(['auto', ...tensorBackendNames]))
    .option('--allow-software-gpu', 'accept a software WebGPU adapter (SwiftShader), for tests')
    .action(async (dirs: string[], opts: { json?: boolean; tol?: number; backend?: 'auto' | TensorBackendName; allowSoftwareGpu?: boolean }) => {
      await modelParity(dirs, opts);
    });
  return model;
}
