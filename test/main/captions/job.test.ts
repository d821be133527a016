import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { captionGenerateArgsSchema, type CaptionGenerateArgs } from '../../../shared/api/captions.js';
import { CaptionJobFailed, createCaptionJob, runCaptionJob } from '../../../main/captions/job.js';
import type { JobProgress } from '../../../main/captions/progress.js';
import { fillTemplate, sha256Hex, PromptTemplates } from '../../../main/captions/templates.js';
import { generateShapesSample } from '../../../main/data/shapes.js';
import type { Store } from '../../../main/store/index.js';
import { addDataset, addSample, seededStore } from './fixtures.js';
import { imageUrlOf, promptOf, startTestServer, type TestServer } from './vlm-test-server.js';
import { sqlOf } from '../../helpers/sql.js';

const open: { store?: Store; server?: TestServer } = {};
afterEach(async () => {
  open.store?.close();
  await open.server?.close();
});

async function run(store: Store, args: CaptionGenerateArgs, extra: { signal?: AbortSignal; progress?: JobProgress[] } = {}) {
  const params = captionGenerateArgsSchema.parse(args);
  const jobId = createCaptionJob(store, params);
  const report = await runCaptionJob(store, jobId, params, {
    image: 'target',
    backoffBaseMs: 5,
    ...(extra.signal ? { signal: extra.signal } : {}),
    onProgress: (p) => extra.progress?.push(p),
  });
  return { jobId, report };
}

describe('caption job against a scripted server', () => {
  it('writes what succeeds, records each failure with its reason, goes on, and resumes only the failed ones', async () => {
    const { store, datasetId, sampleIds } = await seededStore(8);
    const server = await startTestServer((req) => {
      const p = promptOf(req);
      if (p.includes('object 2 ')) return { kind: 'malformed' };
      if (p.includes('object 3 ')) return { kind: 'empty' };
      if (p.includes('object 5 ')) return { kind: 'status', status: 500 };
      if (p.includes('object 6 ')) return { kind: 'wrong-schema' };
      return { kind: 'ok', text: `described: ${p.match(/object \d+/)![0]}`, model: 'deepseek-ai/deepseek-vl2-tiny', delayMs: 20 };
    });
    Object.assign(open, { store, server });
    const progress: JobProgress[] = [];
    const { jobId, report } = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'dsv2', concurrency: 3, maxRetries: 1 }, { progress });

    expect(report.written).toBe(4);
    expect(report.fromCache).toBe(0);
    expect(report.failed.map((f) => f.externalId).sort()).toEqual(['s002', 's003', 's005', 's006']);
    const reasons = Object.fromEntries(report.failed.map((f) => [f.externalId, f.reason]));
    expect(reasons.s002).toMatch(/malformed JSON/);
    expect(reasons.s003).toMatch(/empty description/);
    expect(reasons.s005).toMatch(/HTTP 500.*after 2 attempts/);
    expect(reasons.s006).toMatch(/not a chat completion/);
    const errors = sqlOf(store).prepare("SELECT sample_ref, field, reason, job_id FROM sample_errors WHERE stage = 'caption' ORDER BY sample_ref").all() as { sample_ref: string; field: string; job_id: number }[];
    expect(errors.map((e) => e.sample_ref)).toEqual(['s002', 's003', 's005', 's006']);
    expect(errors.every((e) => e.field === 'caption.scene' && e.job_id === jobId)).toBe(true);

    // Everything a caption must say about how it was made.
    const template = new PromptTemplates(store.captionTemplates).current('scene');
    const row = sqlOf(store).prepare('SELECT * FROM captions WHERE sample_id = ?').get(sampleIds[0]) as Record<string, unknown>;
    expect(row).toMatchObject({ text: 'described: object 0', source: 'vlm', status: 'pending', version: 1, template_id: template.id, model: 'dsv2', endpoint_model: 'deepseek-ai/deepseek-vl2-tiny' });
    expect(row.prompt_sha256).toBe(sha256Hex(fillTemplate(template.text, { edit_prompt: 'make object 0 blue' })));
    expect(row.image_sha256).toBe((sqlOf(store).prepare('SELECT target_sha256 FROM samples WHERE id = ?').get(sampleIds[0]) as { target_sha256: string }).target_sha256);
    expect(JSON.parse(row.sampling as string)).toMatchObject({ temperature: 0, max_tokens: 520, image_url_form: 'object', attempts: 1 });
    expect(row.duration_ms).toBeGreaterThan(15);
    // The prompt is the paper's Table 4 with the instruction filled in.
    expect(promptOf(server.requests[0]!)).toMatch(/^You are a meticulous visual analyst\./);
    expect(promptOf(server.requests[0]!)).toMatch(/targeted in the editing instruction: "make object \d blue"/);

    // Progress: a jobs row and job.progress events that end at 8 of 8.
    const job = sqlOf(store).prepare('SELECT state, done, total, result FROM jobs WHERE id = ?').get(jobId) as { state: string; done: number; total: number; result: string };
    expect(job).toMatchObject({ state: 'completed', done: 8, total: 8 });
    expect(JSON.parse(job.result).written).toBe(4);
    expect(progress.at(-1)).toMatchObject({ jobId, state: 'completed', done: 8, total: 8 });
    expect(progress.some((p) => p.state === 'running' && p.etaSeconds !== null && p.rate !== null)).toBe(true);

    // Re-run with a healthy server: only the four failed samples are asked for.
    server.requests.length = 0;
    server.respond = () => ({ kind: 'ok', text: 'fixed' });
    const again = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'dsv2' });
    expect(again.report).toMatchObject({ written: 4, fromCache: 0, skipped: 4, failed: [] });
    expect(server.requests).toHaveLength(4);
    // Third run: nothing left to do, nothing asked.
    server.requests.length = 0;
    expect((await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'dsv2' })).report).toMatchObject({ written: 0, skipped: 8 });
    expect(server.requests).toHaveLength(0);
  });

  it('serves the same (image, prompt, model) from the cache, at no cost', async () => {
    const { store, datasetId } = await seededStore(3);
    const server = await startTestServer();
    Object.assign(open, { store, server });
    await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm' });
    expect(server.requests).toHaveLength(3);
    // A second dataset with the same images and instructions (e.g. a re-import).
    const copy = addDataset(store, 'copy');
    for (let i = 0; i < 3; i++) await addSample(store, copy, { externalId: `c${i}`, instruction: `make object ${i} blue`, index: i + 1 });
    const { report } = await run(store, { datasetId: copy, kind: 'scene', endpoint: server.url, model: 'm' });
    expect(report).toMatchObject({ written: 0, fromCache: 3, failed: [] });
    expect(server.requests).toHaveLength(3);
    const cached = sqlOf(store).prepare("SELECT sampling, endpoint_model FROM captions c JOIN samples s ON s.id = c.sample_id WHERE s.dataset_id = ?").all(copy) as { sampling: string; endpoint_model: string }[];
    expect(cached.every((c) => JSON.parse(c.sampling).cached === true && c.endpoint_model === 'served/m')).toBe(true);
    // Another model is another cache key.
    await run(store, { datasetId: copy, kind: 'scene', endpoint: server.url, model: 'other', includeReviewed: true });
    expect(server.requests).toHaveLength(6);
  });

  it('describes the crop of the mask box for region captions, with the short default budget', async () => {
    const { store, datasetId, sampleIds } = await seededStore(2);
    const server = await startTestServer();
    Object.assign(open, { store, server });
    const { report } = await run(store, { datasetId, kind: 'region', endpoint: server.url, model: 'm' });
    expect(report.written).toBe(2);
    const uri = imageUrlOf(server.requests[0]!);
    const meta = await sharp(Buffer.from(uri.replace(/^data:image\/png;base64,/, ''), 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([10, 8]);
    expect(server.requests[0]!.body.max_tokens).toBe(77);
    expect(promptOf(server.requests[0]!)).toMatch(/crop around the region.*"make object \d blue"/s);
    const row = sqlOf(store).prepare('SELECT image_sha256 FROM captions WHERE sample_id = ?').get(sampleIds[0]) as { image_sha256: string };
    expect(store.blobs.get(row.image_sha256)).toBeDefined(); // the exact crop the VLM saw is kept
    // A sample without a mask fails alone, with the reason; as it is the only one left to do, the
    // job that described nothing fails (issue 17), keeping its report.
    await addSample(store, datasetId, { externalId: 'nomask', instruction: 'x', index: 99 });
    const second = await run(store, { datasetId, kind: 'region', endpoint: server.url, model: 'm' }).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(CaptionJobFailed);
    expect((second as CaptionJobFailed).message).toMatch(/^The one sample failed, so nothing was written\. The first reason: no mask/);
    expect((second as CaptionJobFailed).report.failed).toEqual([expect.objectContaining({ externalId: 'nomask', reason: expect.stringMatching(/no mask/) })]);
  });

  it('cancels between samples and keeps what was written; the rerun picks up the rest', async () => {
    const { store, datasetId } = await seededStore(10);
    const server = await startTestServer(() => ({ kind: 'ok', delayMs: 150 }));
    Object.assign(open, { store, server });
    const controller = new AbortController();
    const progress: JobProgress[] = [];
    setTimeout(() => controller.abort(), 400);
    const { jobId, report } = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm', concurrency: 2 }, { signal: controller.signal, progress });
    expect(report.cancelled).toBe(true);
    expect(report.failed).toEqual([]);
    expect(report.written).toBeGreaterThan(0);
    expect(report.written).toBeLessThan(10);
    expect((sqlOf(store).prepare('SELECT state FROM jobs WHERE id = ?').get(jobId) as { state: string }).state).toBe('cancelled');
    const written = (sqlOf(store).prepare('SELECT count(*) AS n FROM captions').get() as { n: number }).n;
    expect(written).toBe(report.written);
    const finished = new Set((sqlOf(store).prepare('SELECT s.instruction AS i FROM captions c JOIN samples s ON s.id = c.sample_id').all() as { i: string }[]).map((r) => r.i));
    server.requests.length = 0;
    const rest = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm', concurrency: 4 });
    expect(rest.report).toMatchObject({ written: 10 - written, skipped: written });
    // (A request the abort cut short may still be logged by the server after this point: count by sample.)
    const asked = server.requests.map((r) => /instruction: "([^"]+)"/.exec(promptOf(r))![1]!);
    expect(asked.filter((i) => finished.has(i))).toEqual([]);
    expect(new Set(asked).size).toBe(10 - written);
  });

  it('never buries a reviewed caption under a new machine version unless asked; onlyMissing skips any captioned sample', async () => {
    const { store, datasetId, sampleIds } = await seededStore(3);
    const server = await startTestServer();
    Object.assign(open, { store, server });
    await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm' });
    const repo = store.captions;
    repo.setStatus([repo.versions(sampleIds[0]!, 'scene')[0]!.id], 'approved');
    new PromptTemplates(store.captionTemplates).update('scene', 'Describe the picture. Edit: {edit_prompt}');
    server.requests.length = 0;
    expect((await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm', onlyMissing: true })).report).toMatchObject({ written: 0, skipped: 3 });
    const v2 = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm' });
    expect(v2.report).toMatchObject({ written: 2, skipped: 1, templateVersion: 2 });
    expect(repo.versions(sampleIds[0]!, 'scene')).toHaveLength(1);
    expect(repo.versions(sampleIds[1]!, 'scene').map((c) => [c.version, c.templateVersion])).toEqual([[2, 2], [1, 1]]);
    const all = await run(store, { datasetId, kind: 'scene', endpoint: server.url, model: 'm', includeReviewed: true });
    expect(all.report).toMatchObject({ written: 1, skipped: 2 });
  });
});

describe('template captioner (ShapesEdit)', () => {
  it('writes the exact scene-graph descriptions, labelled source template, with no server', async () => {
    const { store } = await seededStore(0);
    open.store = store;
    const datasetId = addDataset(store, 'shapes', 'shapes');
    const samples = Array.from({ length: 12 }, (_, i) => generateShapesSample(7, i, 64));
    for (const [i, s] of samples.entries()) {
      await addSample(store, datasetId, {
        externalId: s.externalId,
        instruction: s.instruction,
        index: i + 1,
        // Exactly what the ShapesEdit importer writes (main/data/shapes-source.ts); size = the sample's width.
        meta: { seed: 7, index: i, sceneGraph: { before: s.before, after: s.after }, edit: s.edit },
        width: s.size,
      });
    }
    await addSample(store, datasetId, { externalId: 'not-shapes', instruction: 'x', index: 50, meta: { other: 1 } });
    for (const kind of ['scene', 'region'] as const) {
      const { report } = await run(store, { datasetId, kind, captioner: 'template' });
      expect(report).toMatchObject({ written: 12, captioner: 'template', model: 'template:shapes-scene-graph-v1' });
      expect(report.failed).toEqual([expect.objectContaining({ externalId: 'not-shapes', reason: expect.stringMatching(/no ShapesEdit scene graph/) })]);
      const rows = sqlOf(store).prepare("SELECT s.external_id AS id, c.text, c.source FROM captions c JOIN samples s ON s.id = c.sample_id WHERE c.kind = ? ORDER BY s.id").all(kind) as { id: string; text: string; source: string }[];
      expect(rows.map((r) => r.text)).toEqual(samples.map((s) => (kind === 'scene' ? s.sceneDescription : s.regionDescription)));
      expect(rows.every((r) => r.source === 'template')).toBe(true);
    }
  });
});
