// How every `ric` command reports: human text by default, one JSON document with --json,
// and a non-zero exit status when it failed.
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

export function printError(options: OutputOptions, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
  process.stderr.write(`ric: ${message}\n`);
}
