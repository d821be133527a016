// A preset as a caller names it (a built-in name, a whole record, or a built-in with changes) turned
// into the preset the evaluation runs — every value — with `--against` applied, and its identity
// (sha256 over canonical JSON): two evaluations with the same identity are the same evaluation.
import crypto from 'node:crypto';
import type { PresetInput } from '../../shared/api/evals.js';
import { canonicalJson, presetAgainst } from '../../shared/evals/metrics.js';
import { derivePreset, resolvePreset, type EvalPreset, type Reference } from '../../shared/metrics/presets.js';

export class PresetInputError extends Error {
  override name = 'PresetInputError';
}

export interface ResolvedPreset {
  preset: EvalPreset;
  sha256: string;
}

export function presetSha256(p: EvalPreset): string {
  return crypto.createHash('sha256').update(canonicalJson(p)).digest('hex');
}

export function resolvePresetInput(input: PresetInput, against?: Reference | null): ResolvedPreset {
  let base: EvalPreset;
  try {
    if (typeof input === 'string') base = resolvePreset(input);
    else {
      // {base, name, changes}: a built-in with some settings changed; anything else is a whole preset.
      const { base: from, name, changes } = input as { base?: unknown; name?: unknown; changes?: unknown };
      if (typeof from === 'string' && typeof name === 'string' && changes && typeof changes === 'object' && !Array.isArray(changes) && !('metrics' in input)) {
        base = derivePreset(from, name, changes as Record<string, unknown>);
      } else base = resolvePreset(input);
    }
  } catch (err) {
    throw new PresetInputError((err as Error).message);
  }
  const preset = presetAgainst(base, against ?? null);
  return { preset, sha256: presetSha256(preset) };
}

/**
 * The ShapesEdit preset to evaluate with (issue 18): `shapes-paper` (edit accuracy, PSNR/L1 and the
 * paper's metrics as ric-authors computes them) when every model folder it needs is set and sound,
 * else `shapes` (no backbone). Loads no model: headers only (checkModelFolders).
 */
export async function shapesPresetFor(modelFolders: Readonly<Record<string, string | null>>): Promise<'shapes' | 'shapes-paper'> {
  const { checkModelFolders } = await import('../engine/metrics/index.js');
  return checkModelFolders(resolvePreset('shapes-paper'), modelFolders).every((c) => c.ok) ? 'shapes-paper' : 'shapes';
}
