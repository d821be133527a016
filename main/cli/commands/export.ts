// `ric export masks --dataset D --out DIR [--polarity white|black]` and
// `ric import masks --dataset D DIR [--polarity ...] [--alpha ...] [--threshold N]`: the same
// MaskService the editor's Api uses. Other `ric export` subcommands (tables, grids) join here.
import { InvalidArgumentError, Option, type Command } from 'commander';
import path from 'node:path';
import type { MaskImportOptions } from '../../../shared/api/masks.js';
import { openApp } from '../../app.js';
import { MaskError, MaskService } from '../../data/masks/index.js';
import type { Store } from '../../store/index.js';
import { CliError, printResult, type OutputOptions } from '../output.js';

/** A dataset by id or by name. */
export function resolveDataset(store: Store, ref: string): { id: number; name: string } {
  const byName = store.db.prepare<[string], { id: number; name: string }>('SELECT id, name FROM datasets WHERE name = ?').get(ref);
  if (byName) return byName;
  if (/^\d+$/.test(ref)) {
    const byId = store.db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM datasets WHERE id = ?').get(Number(ref));
    if (byId) return byId;
  }
  const names = store.db.prepare<[], { name: string }>('SELECT name FROM datasets ORDER BY id').all().map((r) => r.name);
  throw new CliError(`no dataset "${ref}"${names.length ? `; datasets: ${names.slice(0, 20).join(', ')}` : ' (the store has none: ric import ...)'}`);
}

async function withMasks<T>(dataDir: string, fn: (masks: MaskService, store: Store) => Promise<T>): Promise<T> {
  const app = openApp({ dataDir, mode: 'in-process' });
  try {
    return await fn(new MaskService(app.store), app.store);
  } catch (err) {
    if (err instanceof MaskError) throw new CliError(err.message);
    throw err;
  } finally {
    app.close();
  }
}

const progress = (label: string) => {
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (done !== total && now - last < 1000) return;
    last = now;
    if (process.stderr.isTTY) process.stderr.write(`\r${label} ${done}/${total}\x1b[K${done === total ? '\n' : ''}`);
  };
};

export async function exportMasks(dataDir: string, opts: OutputOptions & { dataset: string; out: string; polarity: 'white' | 'black' }): Promise<void> {
  await withMasks(dataDir, async (masks, store) => {
    const ds = resolveDataset(store, opts.dataset);
    const r = await masks.exportMasks(ds.id, path.resolve(opts.out), opts.polarity, progress('exporting masks'));
    printResult(opts, { dataset: ds.name, datasetId: ds.id, polarity: opts.polarity, ...r }, () =>
      `wrote ${r.written} masks of ${ds.name} to ${r.dir} (${opts.polarity} = edit)${r.withoutMask ? `; ${r.withoutMask} samples have no mask` : ''}`,
    );
  });
}

export async function importMasks(dataDir: string, dir: string, opts: OutputOptions & { dataset: string } & MaskImportOptions & { author?: string; note?: string }): Promise<void> {
  await withMasks(dataDir, async (masks, store) => {
    const ds = resolveDataset(store, opts.dataset);
    const options: MaskImportOptions = { polarity: opts.polarity, alpha: opts.alpha, threshold: opts.threshold, sizeMismatch: opts.sizeMismatch };
    const r = await masks.importFiles({ datasetId: ds.id, path: path.resolve(dir), options, author: opts.author, note: opts.note }, progress('importing masks'));
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

function threshold(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new InvalidArgumentError('must be an integer from 1 to 255');
  return n;
}

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
