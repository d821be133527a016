// The `ric` command. Each subcommand lives in commands/; every listing/reporting one takes --json.
import { Command, InvalidArgumentError } from 'commander';
import { appVersion, resolveDataDir } from '../paths.js';
import { captionCommand } from './commands/caption.js';
import { clusterCommand } from './commands/cluster.js';
import { registerMaskCommands } from './commands/export.js';
import { registerDatasetCommands } from './commands/import.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { editCommand, registerImportResults } from './commands/edit.js';
import { evalCommand } from './commands/eval.js';
import { info } from './commands/info.js';
import { jobsCommand } from './commands/jobs.js';
import { modelCommand } from './commands/model.js';
import { serve } from './commands/serve.js';
import { trainCommand } from './commands/train.js';
import { CliError, printError } from './output.js';
import { intOption } from './options.js';

const parsePort = intOption(0, 65535);

export const DEFAULT_PORT = 8731;

/** `--allow-host`: a bare host name or IP (no scheme, port or path), collected over repeats. */
function collectHost(value: string, previous: string[]): string[] {
  const v = value.trim().toLowerCase();
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253}|[0-9a-f:.]{2,45})$/.test(v)) throw new InvalidArgumentError('must be a host name or IP address, without scheme, port or path');
  if (previous.length >= 32) throw new InvalidArgumentError('at most 32 host names');
  return [...previous, v];
}

export function buildProgram(): Command {
  const program = new Command('ric')
    .description('RIC Studio: a workstation for Region-in-Context image-editing research')
    .version(appVersion())
    .option('--data <dir>', 'project folder (SQLite store and blobs); default: $RIC_DATA, else the app-data folder')
    .showHelpAfterError();
  const dataDir = () => resolveDataDir({ flag: program.opts<{ data?: string }>().data, env: process.env });

  program
    .command('serve')
    .description('serve the workstation in a browser (web mode), on 127.0.0.1 with a per-start token')
    .option('--host <host>', 'interface to listen on (non-loopback prints a warning)', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free one)', parsePort, DEFAULT_PORT)
    .option(
      '--allow-host <name>',
      'a host name the browser may use to reach this server besides loopback and --host (e.g. behind a proxy); repeatable',
      collectHost,
      [] as string[],
    )
    .action(async (opts: { host: string; port: number; allowHost: string[] }) => {
      await serve({ dataDir: dataDir(), host: opts.host, port: opts.port, allowHosts: opts.allowHost });
    });

  program
    .command('info')
    .description('show the data folder, store version and settings')
    .option('--json', 'one JSON document on stdout')
    .action(async (opts: { json?: boolean }) => {
      await info(dataDir(), opts);
    });

  program.addCommand(demoCommand(dataDir));
  registerDatasetCommands(program, dataDir);
  const importCmd = program.commands.find((c) => c.name() === 'import');
  if (importCmd) registerImportResults(importCmd, dataDir);
  program.addCommand(editCommand(dataDir));
  registerMaskCommands(program, dataDir);
  program.addCommand(captionCommand(dataDir));
  program.addCommand(trainCommand(dataDir));
  program.addCommand(evalCommand(dataDir));

  clusterCommand(program, dataDir);
  program.addCommand(jobsCommand(dataDir));
  program.addCommand(doctorCommand());
  program.addCommand(modelCommand());

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const json = argv.includes('--json');
    printError({ json }, err);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}
