// One live truth in every window (issue 12), end to end in Chromium: a run started with `ric train`
// in another process is followed live in the web UI — its steps grow, Pause and Resume clicked in the
// UI are carried out by the CLI's process, and the run's completion shows — each state in the UI
// within 2 s of the CLI's own (the CLI's log line and the page's state change are timed on the same
// clock). The UI names the run as the CLI does.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, projectRoot, startServe, stopServe, test } from './fixtures.js';

/** The bound: each state in the UI within ~2 s of the CLI's. */
const WITHIN_MS = 2000;

function ric(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ric ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Starts recording the monitor's state changes in the page, with the page's clock. */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: { state: string; at: number }[] };
    w.__states = [];
    const monitor = document.querySelector('.run-monitor')!;
    w.__states.push({ state: monitor.getAttribute('data-state')!, at: Date.now() });
    new MutationObserver(() => w.__states.push({ state: monitor.getAttribute('data-state')!, at: Date.now() })).observe(monitor, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/** When the page first showed `state` after `since` (page clock), waiting for it. */
async function uiStateAt(page: Page, state: string, since: number): Promise<number> {
  const handle = await page.waitForFunction(
    ([s, t]) => (window as unknown as { __states: { state: string; at: number }[] }).__states.find((x) => x.state === s && x.at >= t)?.at ?? null,
    [state, since] as const,
    { timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}

test('a run started by `ric train` in another process is followed live: pause, resume, completion within 2 s', async ({ page, dataDir }) => {
  test.setTimeout(240_000);
  ric(dataDir, 'import', 'shapes', '--count', '48', '--seed', '3', '--size', '64', '--name', 'shapes-live', '--json');
  const server = await startServe(dataDir);
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  const config = path.join(dataDir, 'live.json');
  fs.writeFileSync(config, JSON.stringify({ batch_size: 8, max_steps: 150, phases: [{ name: 'fusion', epochs: 100, lr: 3e-3 }] }));
  // The CLI's own account: every stderr line with the time it arrived.
  const cliLines: { line: string; at: number }[] = [];
  const cli = spawn(process.execPath, [path.join(projectRoot, 'bin/ric.js'), '--data', dataDir, 'train', 'regionclip', '--dataset', 'shapes-live', '--preset', 'tiny', '--config', config, '--name', 'live'], {
    cwd: projectRoot,
    env: { ...process.env, RIC_ENGINE_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  let stdout = '';
  cli.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
  cli.stderr!.on('data', (d: Buffer) => {
    const at = Date.now();
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) cliLines.push({ line, at });
  });
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  const cliLine = async (re: RegExp, after = 0) => {
    await expect.poll(() => cliLines.some((l) => l.at >= after && re.test(l.line)), { timeout: 60_000 }).toBe(true);
    return cliLines.find((l) => l.at >= after && re.test(l.line))!;
  };
  try {
    // The CLI names its run; the UI must say the same.
    const started = await cliLine(/^run \d+ · live \(job \d+\): regionclip on "shapes-live"/);
    const label = /^(run (\d+) · live) \(job (\d+)\)/.exec(started.line)!;
    const runId = Number(label[2]);

    await page.goto(server.urlWithToken);
    await page.getByRole('link', { name: 'Training' }).click();
    await page.locator(`[data-run-row="${runId}"]`).getByRole('button', { name: label[1]! }).click();
    await expect(page.getByTestId('run-label')).toHaveText(label[1]!);
    const state = page.getByTestId('run-state');
    await expect(state).toHaveText('running', { timeout: 60_000 });
    await recordStates(page);

    // Live: the step and the loss chart grow while the CLI's process trains.
    const step = async () => Number(await page.getByTestId('run-step').textContent());
    await expect.poll(step, { timeout: 60_000 }).toBeGreaterThan(3);
    const before = await step();
    await expect.poll(step, { timeout: 30_000 }).toBeGreaterThan(before);
    await expect.poll(async () => Number(await page.locator('figure[data-chart="Loss (total and terms)"]').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(3);

    // Pause in the UI: the CLI's process pauses at a step boundary; the UI shows it, at that step.
    const pauseClicked = Date.now();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const paused = await cliLine(/^paused at step (\d+)$/, pauseClicked);
    const pausedStep = Number(/(\d+)$/.exec(paused.line)![1]);
    const uiPaused = await uiStateAt(page, 'paused', pauseClicked);
    expect(uiPaused - paused.at, `the UI showed "paused" ${uiPaused - paused.at} ms after the CLI`).toBeLessThan(WITHIN_MS);
    await expect(page.getByTestId('run-step')).toHaveText(String(pausedStep));
    await page.waitForTimeout(1000);
    await expect(page.getByTestId('run-step')).toHaveText(String(pausedStep));

    // Resume in the UI: the CLI's process continues; the UI shows it running again.
    const resumeClicked = Date.now();
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    const resumed = await cliLine(/^resumed$/, resumeClicked);
    const uiRunning = await uiStateAt(page, 'running', resumeClicked);
    expect(uiRunning - resumed.at, `the UI showed "running" ${uiRunning - resumed.at} ms after the CLI`).toBeLessThan(WITHIN_MS);
    await expect.poll(step, { timeout: 30_000 }).toBeGreaterThan(pausedStep);

    // Completion: the CLI ends its run; the UI shows it completed, at the last step, with its checkpoint.
    const completed = await cliLine(/^completed$/, resumeClicked);
    const uiCompleted = await uiStateAt(page, 'completed', resumeClicked);
    expect(uiCompleted - completed.at, `the UI showed "completed" ${uiCompleted - completed.at} ms after the CLI`).toBeLessThan(WITHIN_MS);
    expect(await exited).toBe(0);
    console.log(`UI after the CLI: paused ${uiPaused - paused.at} ms, running ${uiRunning - resumed.at} ms, completed ${uiCompleted - completed.at} ms`);
    await expect(page.getByTestId('run-step')).toHaveText('150');
    await expect(page.getByTestId('run-checkpoint-step')).toHaveText('150');
    expect(stdout).toContain(`${label[1]} (job ${label[3]}): completed`);
    // The runs table names it the same way.
    await expect(page.locator(`[data-run-row="${runId}"]`)).toContainText(label[1]!);
    expect(problems).toEqual([]);
  } finally {
    if (cli.exitCode === null) cli.kill('SIGKILL');
    await stopServe(server);
  }
});
