// The engine-host channel is an entry point too (issue 10): a broken or hostile host process must
// not crash main, and a job whose parameters cannot cross must end failed instead of crashing the
// host on every resume. A real child process (forkSpawner) writes raw lines on its IPC channel —
// messages nested far deeper than any serialiser of ours would produce.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost, forkSpawner, type ExitInfo } from '../../../../main/jobs/host-process.js';
import { LineReader } from '../../../../main/jobs/line-channel.js';
import type { FromHost } from '../../../../main/jobs/protocol.js';
import { tempDir } from '../../../helpers/app.js';
import { deepObject } from './payloads.js';

const hostile = `
const fs = require('node:fs');
const fd = Number(process.env.RIC_HOST_CHANNEL_FD); // the channel main set up (line-channel.ts)
// Raw bytes on the channel, past any serialiser; the socket is non-blocking, so retry when full.
const line = (text) => {
  const bytes = Buffer.from(text + '\\n');
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(fd, bytes, at);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
};
// 50 000 levels deep: Node's 'advanced' (V8) deserialisation would throw inside main's channel read;
// a line that is not JSON would throw inside its 'json' one (both tried).
line('{"type":"log","jobId":1,"level":"info","time":1,"message":' + '['.repeat(50000) + ']'.repeat(50000) + '}');
line('{"type":"event","event":"x","payload":[' + '0,'.repeat(2100000) + '0]}');
line('{"type":"nonsense"}');
line('not json at all');
line('{"partial":' + 'x'.repeat(200) ); // ends at the next newline
line(JSON.stringify({ type: 'log', jobId: 1, level: 'info', message: 'still talking', time: 2 }));
setTimeout(() => process.exit(0), 5000);
`;

let host: EngineHost | undefined;
afterEach(async () => {
  await host?.stop(2000);
  host = undefined;
});

function start(script: string, received: FromHost[], logs: string[], exits: ExitInfo[] = []): EngineHost {
  const dir = tempDir();
  const entry = path.join(dir, 'host.cjs');
  fs.writeFileSync(entry, script);
  return new EngineHost('light', forkSpawner, () => entry, dir, { onMessage: (m) => received.push(m), onExit: (e) => exits.push(e) }, (l) => logs.push(l));
}

describe('the engine-host channel', () => {
  it('drops deep, huge and malformed messages from a host and keeps listening; main stays up', async () => {
    const received: FromHost[] = [];
    const logs: string[] = [];
    host = start(hostile, received, logs);
    host.send({ type: 'cancel', jobId: 1 }); // starts the process
    for (let i = 0; i < 500 && !received.some((m) => m.type === 'log'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([{ type: 'log', jobId: 1, level: 'info', message: 'still talking', time: 2 }]);
    const text = logs.join('\n');
    expect(text).toMatch(/dropped a message from the light engine host nests deeper than 72 levels/);
    expect(text).toMatch(/dropped a message from the light engine host holds more than 2000000 values/);
    expect(text).toMatch(/dropped a message that is not JSON from the light engine host/);
    expect(text).toMatch(/dropped a malformed message/); // {"type":"nonsense"}
    expect(host.alive).toBe(true);
  });

  it('never sends a job whose parameters cannot cross: the job ends failed with the reason', () => {
    const received: FromHost[] = [];
    const logs: string[] = [];
    host = start('process.on("message", () => undefined);', received, logs);
    host.send({ type: 'start', jobId: 9, kind: 'evaluate', params: { a: deepObject(5000) }, runId: null, resume: null });
    expect(received).toEqual([
      expect.objectContaining({ type: 'finished', jobId: 9, state: 'failed', error: expect.stringMatching(/job parameters refused: .*deeper than 72 levels/) }),
    ]);
    expect(host.alive).toBe(false); // nothing was started for it
  });
});

describe('LineReader', () => {
  it('skips a line over the bound without keeping it, and reads the next one', () => {
    const got: unknown[] = [];
    const bad: string[] = [];
    const reader = new LineReader(16, { onMessage: (m) => got.push(m), onBadLine: (r) => bad.push(r) });
    reader.push(Buffer.from('{"a":1}\n{"b":"xxxx'));
    reader.push(Buffer.from('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'));
    reader.push(Buffer.from('xxx"}\n{"c"'));
    reader.push(Buffer.from(':3}\nnot json\n\n'));
    expect(got).toEqual([{ a: 1 }, { c: 3 }]);
    expect(bad).toEqual(['a message over 16 bytes', 'a message that is not JSON']);
  });
});
