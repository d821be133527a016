// The engine host: a separate process (child_process.fork, or Electron's utilityProcess) that runs
// jobs, so a crash or an out-of-memory in training takes down this process only — never the window,
// the Api or the store. It opens its own connection to the store (SQLite WAL lets two processes
// share the file) and commits its own bulk writes — metric points, checkpoints, samples — so main's
// event loop never spends time on them; main only relays the already-committed batches to
// subscribers and keeps the job rows (state, log). argv[2] is the data folder.
import net from 'node:net';
import { tensorBackendNameSchema } from '../../../shared/api/system.js';
import { openStore } from '../../store/index.js';
import { CHANNEL_ENV, CHANNEL_FD, lineChannel } from '../line-channel.js';
import { checkHostMessage, HOST_MESSAGE_BOUNDS, toHostSchema, type FromHost, type HostResources, type ToHost } from '../protocol.js';
import './builtin.js';
import { runnerFor, type EngineInfo, type JobRunContext } from './runners.js';

interface Channel {
  send(message: FromHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

type ParentPort = { on(event: 'message', listener: (e: { data: unknown }) => void): void; postMessage(message: unknown): void };

function parentChannel(onClose: () => void): Channel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  let post: (m: FromHost) => void;
  let listen: (fn: (message: unknown) => void) => void;
  if (parentPort) {
    // Electron's utilityProcess: messages travel as JSON text (main/electron/utility-host.ts).
    post = (m) => parentPort.postMessage(JSON.stringify(m));
    listen = (fn) =>
      parentPort.on('message', (e) => {
        try {
          if (typeof e.data === 'string') fn(JSON.parse(e.data) as unknown);
        } catch {
          process.stderr.write('[engine host] dropped a message that is not JSON\n');
        }
      });
  } else if (process.env[CHANNEL_ENV] === String(CHANNEL_FD)) {
    // Node: our line channel on fd 3 (line-channel.ts), started by main's forkSpawner.
    const pipe = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
    const listeners: ((m: unknown) => void)[] = [];
    const send = lineChannel(pipe, pipe, HOST_MESSAGE_BOUNDS.maxBytes, {
      onMessage: (m) => listeners.forEach((fn) => fn(m)),
      onBadLine: (reason) => process.stderr.write(`[engine host] dropped ${reason}\n`),
    });
    pipe.on('close', onClose);
    post = (m) => void send(m);
    listen = (fn) => void listeners.push(fn);
  } else {
    throw new Error('the engine host is started by RIC Studio (its job queue, or Electron\'s utilityProcess), not on its own');
  }
  return {
    // Main refuses a message over the bounds of protocol.ts; say so here, where the cause is. A job's
    // result that cannot cross ends the job failed rather than leaving it running in main's eyes.
    send(m) {
      const violation = checkHostMessage(m, `the ${m.type} message to main`);
      if (violation === null) return post(m);
      process.stderr.write(`[engine host] not sent: ${violation.message}\n`);
      if (m.type === 'finished') post({ ...m, state: 'failed', error: `the job's result cannot be sent: ${violation.message}`, stack: null, result: null });
    },
    onMessage: listen,
  };
}

const MAX_POINTS_PER_MESSAGE = 5000;
const PROGRESS_EVERY_MS = 200;

interface Active {
  controller: AbortController;
  paused: boolean;
  wake: (() => void) | null;
  step: number | null;
}

const dataDir = process.argv[2];
if (!dataDir) throw new Error('engine host: the data folder is the first argument');
const channel = parentChannel(() => shutdown());
const store = openStore(dataDir);
const metrics = store.runs.metricWriter((runId, points) => {
  for (let i = 0; i < points.length; i += MAX_POINTS_PER_MESSAGE) {
    channel.send({ type: 'metrics', runId, points: points.slice(i, i + MAX_POINTS_PER_MESSAGE) });
  }
});
const active = new Map<number, Active>();
let engine: EngineInfo | null = null;

const abortError = () => Object.assign(new Error('cancelled'), { name: 'AbortError' });

async function start(m: Extract<ToHost, { type: 'start' }>): Promise<void> {
  const job: Active = { controller: new AbortController(), paused: false, wake: null, step: null };
  active.set(m.jobId, job);
  let lastProgress = 0;
  const ctx: JobRunContext = {
    jobId: m.jobId,
    kind: m.kind,
    params: m.params,
    runId: m.runId,
    resume: m.resume,
    store,
    signal: job.controller.signal,
    progress(done, total, message) {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS && done !== total) return;
      lastProgress = now;
      channel.send({ type: 'progress', jobId: m.jobId, done, total, ...(message ? { message } : {}) });
    },
    log: (level, message) => channel.send({ type: 'log', jobId: m.jobId, level, message, time: Date.now() }),
    metric(key, step, value) {
      if (m.runId === null) throw new Error(`job ${m.jobId} (${m.kind}) has no run to write metrics to`);
      metrics.add(m.runId, key, step, value);
    },
    flushMetrics: () => void metrics.flush(),
    async boundary(step) {
      job.step = step;
      // One turn of the event loop: cancel/pause messages that arrived during the step land here.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (job.controller.signal.aborted) throw abortError();
      if (!job.paused) return;
      metrics.flush();
      channel.send({ type: 'paused', jobId: m.jobId, step });
      while (job.paused && !job.controller.signal.aborted) await new Promise<void>((resolve) => (job.wake = resolve));
      job.wake = null;
      if (job.controller.signal.aborted) throw abortError();
      channel.send({ type: 'resumed', jobId: m.jobId });
    },
    emit: (event, payload) => channel.send({ type: 'event', event, payload }),
    setEngine: (info) => {
      engine = info;
      const backend = tensorBackendNameSchema.safeParse(info.backend);
      if (backend.success) channel.send({ type: 'engine', backend: backend.data });
    },
  };
  let finished: FromHost;
  try {
    const runner = await runnerFor(m.kind);
    const result = await runner.run(ctx);
    finished = { type: 'finished', jobId: m.jobId, state: job.controller.signal.aborted ? 'cancelled' : 'completed', error: null, stack: null, result: result ?? null };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    finished = job.controller.signal.aborted
      ? { type: 'finished', jobId: m.jobId, state: 'cancelled', error: null, stack: null, result: null }
      : { type: 'finished', jobId: m.jobId, state: 'failed', error: e.message, stack: e.stack ?? null, result: null };
  }
  // Every point of the job is committed before main flips its state.
  metrics.flush();
  active.delete(m.jobId);
  channel.send(finished);
}

function resources(): HostResources {
  const mem = process.memoryUsage();
  const t = engine?.memory() ?? null;
  return {
    pid: process.pid,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    tensors: t ? { numTensors: t.numTensors, numBytes: t.numBytes, numDataBuffers: t.numDataBuffers } : null,
    backend: engine?.backend ?? null,
    gpuBytes: t?.gpuBytes ?? null,
    runningJobs: [...active.keys()],
  };
}

function shutdown(): void {
  for (const job of active.values()) job.controller.abort();
  metrics.close();
  store.close();
  process.exit(0);
}

channel.onMessage((raw) => {
  const violation = checkHostMessage(raw, 'a message from main');
  if (violation) {
    process.stderr.write(`[engine host] dropped ${violation.message}\n`);
    return;
  }
  const parsed = toHostSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`[engine host] dropped a malformed message: ${parsed.error.message}\n`);
    return;
  }
  const m = parsed.data;
  switch (m.type) {
    case 'start':
      void start(m);
      break;
    case 'cancel': {
      const job = active.get(m.jobId);
      job?.controller.abort();
      job?.wake?.();
      break;
    }
    case 'pause': {
      const job = active.get(m.jobId);
      if (job) job.paused = true;
      break;
    }
    case 'resume': {
      const job = active.get(m.jobId);
      if (job) {
        job.paused = false;
        job.wake?.();
      }
      break;
    }
    case 'resources':
      channel.send({ type: 'resources', requestId: m.requestId, resources: resources() });
      break;
    case 'shutdown':
      shutdown();
      break;
  }
});
// Ctrl-C in a terminal reaches the whole process group: main decides (cancel the job, or shut us
// down), so the host does not die under a job that main is about to cancel cleanly.
process.on('SIGINT', () => undefined);
channel.send({ type: 'ready', pid: process.pid });
