// A pipeline folder from a trained UNet, with files only (no tensor library), so the demo chain in
// main can assemble the editors it edits with without loading the engine.
import fs from 'node:fs';
import path from 'node:path';

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
    if (e.name === 'unet' || e.name === 'MADE_BY.json') continue;
    fs.cpSync(path.join(baseDir, e.name), path.join(tmp, e.name), { recursive: true });
  }
  fs.cpSync(unetDir, path.join(tmp, 'unet'), { recursive: true });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmp, outDir);
}
