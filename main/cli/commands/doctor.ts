// `ric doctor [--json]`: which tensor backend the engine would run on, and for every other one why
// not (a missing optional package, libcudart.so.11.0 for tfjs-node-gpu, no Vulkan driver for WebGPU…),
// plus the kernels the models' training needs that the active backend lacks.
import { Command, Option } from 'commander';
import { tensorBackendNames, type TensorBackendName } from '../../../shared/api/system.js';
import type { BackendReport } from '../../engine/backend.js';
import { CliError, printResult } from '../output.js';

export interface DoctorOptions {
  json?: boolean;
  backend?: 'auto' | TensorBackendName;
  allowSoftwareGpu?: boolean;
}

export interface DoctorResult extends BackendReport {
  ok: boolean;
  missingKernels: string[];
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
  const result: DoctorResult = { ...report, ok: missing.length === 0, missingKernels: missing };
  printResult(opts, result, () => {
    const w = Math.max(...report.probes.map((p) => p.name.length));
    return [
      `active tensor backend: ${report.active}`,
      ...report.probes.map((p) => `  ${p.status === 'active' ? '*' : ' '} ${p.name.padEnd(w)}  ${p.status.padEnd(11)}  ${p.device ? `[${p.device}] ` : ''}${p.reason ?? p.label}`),
      missing.length ? `kernels the models need that ${report.active} lacks: ${missing.join(', ')}` : `all ${ENGINE_KERNELS.length} kernels the models' training uses are present on ${report.active}`,
    ].join('\n');
  });
  if (!result.ok) process.exitCode = 1;
  return result;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report the active tensor backend and why each other backend is unavailable')
    .option('--json', 'one JSON document on stdout')
    .addOption(new Option('--backend <name>', 'insist on one backend (default: $RIC_BACKEND, else auto)').choices(['auto', ...tensorBackendNames]))
    .option('--allow-software-gpu', 'accept a software WebGPU adapter (SwiftShader), for tests')
    .action(async (opts: DoctorOptions) => {
      await doctor(opts);
    });
}
