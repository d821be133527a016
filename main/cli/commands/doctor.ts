// `ric doctor [--json]`: which tensor backend the engine would run on, and for every other one why
// not (a missing optional package, libcudart.so.11.0 for tfjs-node-gpu, no Vulkan driver for WebGPU…),
// plus the kernels the models' training needs that the active backend lacks. With --model DIR, the
// pre-flight of an edit with that pipeline folder on the active backend: every part, and whether an
// edit fits the backend's memory (resident, or the stages on demand) — before a user starts a job.
import { Command, Option } from 'commander';
import { tensorBackendNames, type TensorBackendName } from '../../../shared/api/system.js';
import type { EditCheck } from '../../../shared/api/edit.js';
import type { BackendReport } from '../../engine/backend.js';
import { CliError, printResult } from '../output.js';
import { intOption } from '../options.js';

export interface DoctorOptions {
  json?: boolean;
  backend?: 'auto' | TensorBackendName;
  allowSoftwareGpu?: boolean;
  model?: string;
  resolution?: number;
}

export interface DoctorResult extends BackendReport {
  ok: boolean;
  missingKernels: string[];
  /** --model: the edit pre-flight of that pipeline folder on the active backend. */
  edit?: EditCheck;
}

export async function doctor(opts: DoctorOptions): Promise<DoctorResult> {
  // The engine (and TensorFlow.js) loads only when this command runs, so other commands start fast.
  const { ENGINE_KERNELS, backendOptionsFromEnv, initBackend, missingKernels } = await import('../../engine/backend.js');
  const fromEnv = backendOptionsFromEnv();
  let report: BackendReport;
  try {
    report = await initBackend({
      prefer: opts.backend ?? fromEnv.prefer,
      allowSoftwareGpu: opts.allowSoftwareGpu ?? fromEnv.allowSoftwareGpu,
      probeAll: true,
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const missing = missingKernels(ENGINE_KERNELS);
  let edit: EditCheck | undefined;
  if (opts.model) {
    const { planEdit, editCheckOf } = await import('../../engine/pipelines/preflight.js');
    edit = editCheckOf(planEdit(opts.model, { resolution: opts.resolution, backend: report.active }));
  }
  const editOk = !edit || (edit.problems.length === 0 && edit.memory?.layout !== null);
  const result: DoctorResult = { ...report, ok: missing.length === 0 && editOk, missingKernels: missing, ...(edit ? { edit } : {}) };
  printResult(opts, result, () => {
    const w = Math.max(...report.probes.map((p) => p.name.length));
    return [
      `active tensor backend: ${report.active}`,
      ...report.probes.map((p) => `  ${p.status === 'active' ? '*' : ' '} ${p.name.padEnd(w)}  ${p.status.padEnd(11)}  ${p.device ? `[${p.device}] ` : ''}${p.reason ?? p.label}`),
      missing.length ? `kernels the models need that ${report.active} lacks: ${missing.join(', ')}` : `all ${ENGINE_KERNELS.length} kernels the models' training uses are present on ${report.active}`,
      ...(edit ? editLines(edit) : []),
    ].join('\n');
  });
  if (!result.ok) process.exitCode = 1;
  return result;
}

function editLines(e: EditCheck): string[] {
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  return [
    `edit pre-flight of ${e.folder}:`,
    ...e.parts.map((p) => `  ${p.ok ? 'ok  ' : 'FAIL'} ${p.part.padEnd(12)} ${p.className ?? ''}${p.problem ? `  ${p.problem}` : ''}`),
    ...e.problems.map((p) => `  problem: ${p}`),
    ...(e.memory
      ? [
          `  at ${e.resolution}×${e.resolution} (model's own ${e.nativeResolution}): resident peak ${gb(e.memory.resident.peak)}, stages on demand ${gb(e.memory.onDemand.peak)}`,
          `  ${e.memory.verdict}`,
        ]
      : []),
  ];
}

const int = intOption(8, 4096);

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report the active tensor backend and why each other backend is unavailable')
    .option('--json', 'one JSON document on stdout')
    .addOption(new Option('--backend <name>', 'insist on one backend (default: $RIC_BACKEND, else auto)').choices(['auto', ...tensorBackendNames]))
    .option('--allow-software-gpu', 'accept a software WebGPU adapter (SwiftShader), for tests')
    .option('--model <dir>', 'also check an InstructPix2Pix pipeline folder: its parts, and whether an edit fits this backend\'s memory')
    .option('--resolution <px>', "with --model: the edit's longer side (default: the model's own)", int)
    .action(async (opts: DoctorOptions) => {
      await doctor(opts);
    });
}
