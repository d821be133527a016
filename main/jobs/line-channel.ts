// The channel between main and an engine host process under Node: newline-delimited JSON over a
// plain pipe (fd 3), framed and parsed by us. Node's own IPC channel ('json' or 'advanced'
// serialisation) parses each message inside its read callback without a catch: one line that is not
// JSON, or a V8 message nested thousands deep, from a broken or hostile host throws there and ends
// main (both tried; issue 10). Here a bad line is dropped and reported, a line longer than the bound
// is skipped without being buffered, and JSON.parse does not recurse (protocol.ts bounds the depth).
import type { Readable, Writable } from 'node:stream';

/** The file descriptor of the channel in the host process. */
export const CHANNEL_FD = 3;
export const CHANNEL_ENV = 'RIC_HOST_CHANNEL_FD';

export interface LineChannelEvents {
  onMessage(message: unknown): void;
  /** A line that was not JSON, or over the bound: what was wrong, never its content. */
  onBadLine(reason: string): void;
}

/** Splits chunks into lines of at most `maxBytes` and parses each as JSON. */
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly maxBytes: number,
    private readonly events: LineChannelEvents,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) {
        this.keep(chunk.subarray(from));
        return;
      }
      this.keep(chunk.subarray(from, nl));
      this.finishLine();
      from = nl + 1;
    }
  }

  private keep(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    if (this.size + part.length > this.maxBytes) {
      // Over the bound: drop what was kept and skip to the next newline without keeping it.
      this.parts = [];
      this.size = 0;
      this.skipping = true;
      this.events.onBadLine(`a message over ${this.maxBytes} bytes`);
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private finishLine(): void {
    const wasSkipping = this.skipping;
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    this.skipping = false;
    if (wasSkipping || text.length === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(text) as unknown;
    } catch {
      this.events.onBadLine('a message that is not JSON');
      return;
    }
    this.events.onMessage(message);
  }
}

/** Reads messages from `input`; returns `send`, which writes one message as one line (false once closed). */
export function lineChannel(input: Readable, output: Writable, maxBytes: number, events: LineChannelEvents): (message: unknown) => boolean {
  const reader = new LineReader(maxBytes, events);
  input.on('data', (chunk: Buffer) => reader.push(chunk));
  input.on('error', () => undefined); // the other side went away: 'close' follows
  output.on('error', () => undefined);
  return (message) => {
    if (output.destroyed || output.writableEnded) return false;
    output.write(`${JSON.stringify(message)}\n`);
    return true;
  };
}
