// Kill = the real `ric caption` (built CLI, dist/) as a child process, SIGKILLed mid-job; its job
// runs in the queue's engine host, which stops when the CLI is gone. Then a fresh process runs the
// same command. Finished samples must not be asked for again, and the killed job must be marked
// interrupted (by the queue of the next run, which finds its owner dead).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { promptOf, startTestServer, type TestServer } from './vlm-test-server.js';
import { seededStore } from './fixtures.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ric = path.join(root, 'bin/ric.js');
let server: TestServer | undefined;
afterEach(async () => server?.close());

function runToEnd(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [ric, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const instructionOf = (prompt: string) => /instruction: "([^"]+)"/.exec(prompt)?.[1] ?? '?';

describe('ric caption, killed and run again', () => {
  it('resumes without redoing finished samples', async () => {
    expect(fs.existsSync(path.join(root, 'dist/main/cli/commands/caption.js')), 'run `npx tsc -b` first: this test runs the built CLI').toBe(true);
    const n = 14;
    const { store, dir } = await seededStore(n);
    store.close();
    server = await startTestServer((req) => ({ kind: 'ok', text: `about ${instructionOf(promptOf(req))}`, delayMs: 120 }));
    const args = ['--data', dir, 'caption', '--dataset', 'fixture', '--kind', 'scene', '--endpoint', server.url, '--model', 'm', '--concurrency', '2', '--json'];

    const child = spawn(process.execPath, [ric, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const db = new Database(path.join(dir, 'ric.sqlite'), { readonly: true });
    const captionCount = () => (db.prepare('SELECT count(*) AS n FROM captions').get() as { n: number }).n;
    const deadline = Date.now() + 30_000;
    while (captionCount() < 4) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`caption run ended or stalled before the kill:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The job runs in the CLI's engine host (the log names its pid); it must be gone too before we
    // count what was finished, or it could still write one more caption.
    const hostPid = () => {
      const line = db.prepare("SELECT message FROM job_logs WHERE message LIKE 'started in the light engine host%'").get() as { message: string } | undefined;
      return Number(/\(pid (\d+)\)/.exec(line?.message ?? '')?.[1] ?? NaN);
    };
    const host = hostPid();
    expect(host).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const hostDeadline = Date.now() + 10_000;
    while (alive(host)) {
      if (Date.now() > hostDeadline) throw new Error(`the engine host ${host} outlived the killed CLI`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const finished = new Set((db.prepare('SELECT s.instruction AS i FROM captions c JOIN samples s ON s.id = c.sample_id').all() as { i: string }[]).map((r) => r.i));
    const killedJob = db.prepare('SELECT id, state FROM jobs').get() as { id: number; state: string };
    db.close();
    expect(finished.size).toBeGreaterThanOrEqual(4);
    expect(finished.size).toBeLessThan(n);
    expect(killedJob.state).toBe('running'); // nobody could say otherwise yet

    server.requests.length = 0;
    // Asynchronously: the test server answers from this very process.
    const again = await runToEnd(args);
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as { ok: boolean; written: number; fromCache: number; skipped: number; failed: unknown[] };
    expect(report).toMatchObject({ ok: true, skipped: finished.size, written: n - finished.size, fromCache: 0, failed: [] });
    const asked = server.requests.map((r) => instructionOf(promptOf(r)));
    expect(asked).toHaveLength(n - finished.size);
    expect(asked.filter((i) => finished.has(i))).toEqual([]);

    const after = new Database(path.join(dir, 'ric.sqlite'), { readonly: true });
    const jobs = after.prepare('SELECT id, state, error FROM jobs ORDER BY id').all() as { id: number; state: string; error: string | null }[];
    const perSample = after.prepare('SELECT count(*) AS n, count(DISTINCT sample_id) AS d FROM captions').get() as { n: number; d: number };
    after.close();
    expect(jobs[0]).toMatchObject({ id: killedJob.id, state: 'interrupted', error: expect.stringMatching(new RegExp(`the process running it stopped \\(.+:${child.pid}\\)`)) });
    expect(jobs[1]!.state).toBe('completed');
    expect(perSample).toEqual({ n, d: n }); // one version each: nothing redone, nothing lost
  });
});
