// `ric export masks --dataset D --out DIR [--polarity white|black]` and
// `ric import masks --dataset D DIR [--polarity ...] [--alpha ...] [--threshold N]`: the editor's
// Api methods (masks.export, masks.importFiles). Other `ric export` subcommands (tables, grids) join here.
import { Option, type Command } from 'commander';
import path from 'node:path';
import type { ApiClient } from '../../../shared/api/client.js';
import type { MaskImportOptions } from '../../../shared/api/masks.js';
import { printResult, type OutputOptions } from '../output.js';
import { intOption } from '../options.js';
import { withApi } from '../session.js';

/** A progress line on a terminal from the Api's masks.progress events; nothing when stderr is a file. */
function showProgress(api: ApiClient, operation: 'import' | 'export', label: string): () => void {
  let last = 0;
  return api.on('masks.progress', (p) => {
    if (p.operation !== operation || !process.stderr.isTTY) return;
    const now = Date.now();
    if (p.done !== p.total && now - last < 1000) return;
    last = now;
    process.stderr.write(`\r${label} ${p.done}/${p.total}\x1b[K${p.done === p.total ? '\n' : ''}`);
  });
}

export async function exportMasks(dataDir: string, opts: OutputOptions & { dataset: string; out: string; polarity: 'white' | 'black' }): Promise<void> {
  await withApi(dataDir, async (api) => {
    const ds = await api.call('datasets.resolve', { ref: opts.dataset });
    const off = showProgress(api, 'export', 'exporting masks');
    const r = await api.call('masks.export', { datasetId: ds.id, path: path.resolve(opts.out), polarity: opts.polarity }).finally(off);
    printResult(opts, { dataset: ds.name, datasetId: ds.id, polarity: opts.polarity, ...r }, () =>
      `wrote ${r.written} masks of ${ds.name} to ${r.dir} (${opts.polarity} = edit)${r.withoutMask ? `; ${r.withoutMask} samples have no mask` : ''}`,
    );
  });
}

export async function importMasks(dataDir: string, dir: string, opts: OutputOptions & { dataset: string } & MaskImportOptions & { author?: string; note?: string }): Promise<void> {
  await withApi(dataDir, async (api) => {
    const ds = await api.call('datasets.resolve', { ref: opts.dataset });
    const options: MaskImportOptions = { polarity: opts.polarity, alpha: opts.alpha, threshold: opts.threshold, sizeMismatch: opts.sizeMismatch };
    const off = showProgress(api, 'import', 'importing masks');
    const r = await api
      .call('masks.importFiles', { datasetId: ds.id, path: path.resolve(dir), options, ...(opts.author ? { author: opts.author } : {}), ...(opts.note ? { note: opts.note } : {}) })
      .finally(off);
    printResult(opts, { dataset: ds.name, datasetId: ds.id, ...r }, () =>
      [
        `${ds.name}: ${r.imported} masks imported, ${r.unchanged} unchanged, ${r.unmatched.length} files matched no sample, ${r.errors.length} errors (of ${r.files} files)`,
        ...r.unmatched.slice(0, 10).map((f) => `  unmatched: ${f}`),
        ...r.errors.slice(0, 20).map((e) => `  ${e.file}: ${e.reason}`),
      ].join('\n'),
    );
    if (r.errors.length > 0) process.exitCode = 1;
  });
}

const threshold = intOption(1, 255);

/** Registers `ric export masks` and `ric import masks` (on the existing `import` command if there is one). */
export function registerMaskCommands(program: Command, dataDir: () => string): void {
  const exportCmd = program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('export masks (and later tables and grids)');
  exportCmd
    .command('masks')
    .description("one PNG per sample with a mask, named by the sample's id in its source dataset")
    .requiredOption('--dataset <name|id>', 'dataset name or id')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .addOption(new Option('--polarity <value>', 'which value marks the edit in the written files').choices(['white', 'black']).default('white'))
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: OutputOptions & { dataset: string; out: string; polarity: 'white' | 'black' }) => {
      await exportMasks(dataDir(), opts);
    });

  const importCmd = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('import data');
  importCmd
    .command('masks <dir>')
    .description('import mask files (PNG/WebP/JPEG) as new mask versions, matched by file name = external id (also <id>_mask.png)')
    .requiredOption('--dataset <name|id>', 'dataset name or id')
    .addOption(new Option('--polarity <value>', 'which value marks the edit in the files').choices(['white', 'black']).default('white'))
    .addOption(new Option('--alpha <mode>', 'RGBA files: composite over black, ignore alpha, or use the alpha channel as the mask').choices(['composite', 'ignore', 'alpha']).default('composite'))
    .option('--threshold <level>', 'after polarity, values at or above this are the edit (1-255)', threshold, 128)
    .addOption(new Option('--size-mismatch <mode>', 'a file whose size differs from its image').choices(['error', 'resize']).default('error'))
    .option('--author <name>', 'author recorded on the new versions (default: your user name)')
    .option('--note <text>', 'note recorded on the new versions')
    .option('--json', 'one JSON document on stdout')
    .action(async (dir: string, opts: OutputOptions & { dataset: string } & MaskImportOptions & { author?: string; note?: string }) => {
      await importMasks(dataDir(), dir, opts);
    });
}
