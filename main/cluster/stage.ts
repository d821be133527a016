// Staging a submission (issue 19): everything the array's tasks need, written once per matrix into a
// local folder and sent to the work folder as one tar stream —
//   matrix.json           what each task runs (stagedMatrixSchema)
//   stage/data/           the dataset snapshot: a store holding that dataset only, and its blobs
//   submit.sh             the batch script
//   tasks/<i>/            one per task (Slurm writes its output there; the task its data folder)
// Each task copies stage/data into tasks/<i>/data before it opens it: the snapshot on the shared
// filesystem is only ever read, never opened as a database.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterProfile, StagedMatrix } from '../../shared/api/index.js';
import type { Store } from '../store/index.js';
import { ClusterError, shq, type LoginShell } from './shell.js';
import { batchScript } from './slurm.js';

function blobPath(dir: string, sha256: string): string {
  return path.join(dir, sha256.slice(0, 2), sha256);
}

/** Writes the staging folder locally; returns it (the caller removes it). */
export function buildStage(store: Store, datasetId: number, matrix: StagedMatrix, profile: ClusterProfile, workDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-stage-'));
  try {
    const data = path.join(dir, 'stage', 'data');
    fs.mkdirSync(path.join(data, 'blobs'), { recursive: true });
    const blobs = store.bundles.snapshotDataset(datasetId, path.join(data, 'ric.sqlite'));
    for (const sha of blobs) {
      const src = store.blobs.get(sha);
      if (!src) throw new ClusterError(`dataset ${datasetId}: blob ${sha} is missing from this store's blob folder; the snapshot would be incomplete`);
      const dst = blobPath(path.join(data, 'blobs'), sha);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      try {
        fs.linkSync(src.file, dst);
      } catch {
        fs.copyFileSync(src.file, dst);
      }
    }
    fs.writeFileSync(path.join(dir, 'matrix.json'), `${JSON.stringify(matrix, null, 1)}\n`);
    fs.writeFileSync(path.join(dir, 'submit.sh'), batchScript(profile, workDir), { mode: 0o755 });
    for (const t of matrix.tasks) fs.mkdirSync(path.join(dir, 'tasks', String(t.index)), { recursive: true });
    return dir;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Sends a local folder's contents to `remoteDir` (created) as a tar stream through the shell. */
export async function sendFolder(shell: LoginShell, localDir: string, remoteDir: string): Promise<void> {
  const tar = spawn('tar', ['-C', localDir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString('utf8')));
  const tarDone = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  const r = await shell.run(`mkdir -p ${shq(remoteDir)} && tar -C ${shq(remoteDir)} -xf -`, { stdin: tar.stdout, timeoutMs: 3_600_000 });
  const code = await tarDone;
  if (code !== 0) throw new ClusterError(`packing ${localDir} failed: ${tarErr.trim()}`);
  if (r.code !== 0) throw new ClusterError(`staging to ${remoteDir} on ${shell.where} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/**
 * Fetches `remoteDir/name` into a fresh local folder (returned; the caller removes it). Extracted
 * without owners or permissions from the stream; what is inside is then read as hostile input.
 */
export async function fetchFolder(shell: LoginShell, remoteDir: string, name: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ric-fetch-'));
  const tar = spawn('tar', ['-C', dir, '--no-same-owner', '--no-same-permissions', '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString('utf8')));
  tar.stdin.on('error', () => undefined);
  const tarDone = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
  try {
    const r = await shell.run(`tar -C ${shq(remoteDir)} -cf - ${shq(name)}`, { stdout: tar.stdin, timeoutMs: 3_600_000 });
    const code = await tarDone;
    if (r.code !== 0) throw new ClusterError(`reading ${remoteDir}/${name} on ${shell.where} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    if (code !== 0) throw new ClusterError(`unpacking ${remoteDir}/${name} failed: ${tarErr.trim()}`);
    return dir;
  } catch (err) {
    tar.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
