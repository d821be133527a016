// How every `ric` command reports: human text by default, one JSON document with --json,
// and a non-zero exit status when it failed.
import { describeError } from '../../shared/api/wording.js';

export interface OutputOptions {
  json?: boolean;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function printResult(options: OutputOptions, value: unknown, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** An error as a person reads it: the Api's words (shared/api/wording.ts), never a class name or stack. */
export function printError(options: OutputOptions, err: unknown): void {
  const message = describeError(err);
  if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
  process.stderr.write(`ric: ${message}\n`);
}
