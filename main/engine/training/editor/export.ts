// A pipeline folder from a trained UNet, with files only (no tensor library), so the demo chain in
// main can assemble the editors it edits with without loading the engine.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * A complete pipeline folder from a trained UNet: the base pipeline's frozen parts copied beside the
 * given `unet/` folder (the tiny editor ships this way; diffusers-style folders for big models are
 * better referenced than copied). Written beside and renamed into place: a kill leaves no half folder.
 */
export function exportPipeline(baseDir: string, unetDir: string, outDir: string): void {
  const tmp = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const e of fs.readdirSync(baseDir, { withFileTypes: true })) {
    if (e.name === 'unet' || e.name === 'MADE_BY.json' || e.name === EXPORT_MARKER) continue;
    fs.cpSync(path.join(baseDir, e.name), path.join(tmp, e.name), { recursive: true });
  }
  fs.cpSync(unetDir, path.join(tmp, 'unet'), { recursive: true });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
}

/** Written beside a pipeline exported from a training checkpoint: which run, checkpoint (relative to the data folder) and step. */
export const EXPORT_MARKER = 'EXPORTED_FROM.json';

const exportMarkerSchema = z.object({ runId: z.number().int().positive(), checkpoint: z.string().min(1).max(1000), step: z.number().int().nonnegative() }).strict();
export type ExportMarker = z.infer<typeof exportMarkerSchema>;

/** A folder's export marker, or undefined when it has none or one that does not parse (a marker is a hint, never an error). */
export function readExportMarker(folder: string): ExportMarker | undefined {
  const file = path.join(folder, EXPORT_MARKER);
  try {
    if (fs.statSync(file).size > 4096) return undefined;
    const parsed = exportMarkerSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writeExportMarker(folder: string, marker: ExportMarker): void {
  fs.writeFileSync(path.join(folder, EXPORT_MARKER), JSON.stringify(marker));
}
