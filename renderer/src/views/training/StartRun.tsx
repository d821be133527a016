// Starting a training run from the UI. The form starts from the presets — tiny for ShapesEdit, the
// paper's settings (with the base model folder from Settings) for everything else — and runs the same
// pre-flight as `ric train` (runs.preflight) while it is filled in: usable pairs, the text rule
// (approved captions, or the dataset's own descriptions when chosen), the base model folder. Each
// refusal names what is wrong and links to what fixes it; Start is offered only when nothing is.
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { DatasetSummary, TrainingPreflight } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';

type Kind = TrainingPreflight['kind'];
type Preset = TrainingPreflight['preset'];

/** The preset a dataset starts with: ShapesEdit is what the tiny models are made for. */
const presetFor = (d: DatasetSummary | undefined): Preset => (d?.format === 'shapes' ? 'tiny' : 'paper');
const positiveInt = (s: string) => (/^\d+$/.test(s.trim()) && Number(s) > 0 ? Number(s) : null);

export function StartRun({ onStarted, onClose }: { onStarted: (runId: number) => void; onClose: () => void }) {
  const api = useApi();
  const datasets = useQuery('datasets.list', {});
  const ready = useMemo(() => (datasets.data ?? []).filter((d) => d.status === 'ready'), [datasets.data]);
  const [kind, setKind] = useState<Kind>('train-regionclip');
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const dataset = ready.find((d) => d.id === datasetId) ?? ready[0];
  // null: follow the dataset (preset by format; the text fallback as the pre-flight resolves it).
  const [preset, setPreset] = useState<Preset | null>(null);
  const [fallback, setFallback] = useState<boolean | null>(null);
  const [baseModel, setBaseModel] = useState('');
  const [epochs, setEpochs] = useState('');
  const [batch, setBatch] = useState('');
  const [seed, setSeed] = useState('0');
  const [name, setName] = useState('');
  // The pre-flight with the exact parameters it checked: Start uses only a check of what is on screen.
  const [check, setCheck] = useState<{ key: string; result: TrainingPreflight } | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosenPreset = preset ?? presetFor(dataset);

  // The parameters as the queue takes them; the phases' epochs override the preset's, phase by phase.
  const params = useMemo(() => {
    if (!dataset) return null;
    const config: Record<string, unknown> = {};
    if (positiveInt(batch)) config['batch_size'] = positiveInt(batch);
    if (chosenPreset === 'paper' && baseModel.trim()) config['base_model'] = baseModel.trim();
    return {
      datasetId: dataset.id,
      preset: chosenPreset,
      seed: positiveInt(seed) ?? 0,
      ...(fallback === null ? {} : { textFallback: fallback ? 'dataset' : 'none' }),
      ...(name.trim() ? { name: name.trim() } : {}),
      config,
    };
  }, [dataset, chosenPreset, batch, baseModel, seed, fallback, name]);
  const epochsN = positiveInt(epochs);
  const key = JSON.stringify({ kind, params, epochsN });

  useEffect(() => {
    if (!params) return;
    let live = true;
    const timer = setTimeout(() => {
      const withEpochs = async () => {
        const first = await api.call('runs.preflight', { kind, params });
        if (epochsN === null) return first;
        return api.call('runs.preflight', { kind, params: { ...params, config: { ...params.config, phases: first.phases.map((p) => ({ ...p, epochs: epochsN })) } } });
      };
      withEpochs().then(
        (result) => live && (setCheck({ key, result }), setCheckError(null)),
        (e: unknown) => live && setCheckError(e instanceof Error ? e.message : String(e)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // key stands for kind, params and epochsN.
  }, [api, key]);

  // The paper's settings fine-tune the folder Settings names, unless one is typed here.
  const checkedBase = check?.result.baseModel;
  useEffect(() => {
    if (checkedBase && !baseModel && chosenPreset === 'paper') setBaseModel(checkedBase);
  }, [checkedBase, chosenPreset, baseModel]);

  const current = check?.key === key ? check.result : null;
  // What the form shows while a new check runs: the last one.
  const shown = current ?? check?.result ?? null;
  const start = () => {
    if (!current?.ok) return;
    setBusy(true);
    setError(null);
    api
      .call('jobs.start', { kind, params: current.params })
      .then(
        (r) => r.runId !== null && onStarted(r.runId),
        (e: unknown) => setError(describeError(e)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form
      className="start-run panel"
      aria-labelledby="start-h"
      onSubmit={(e) => {
        e.preventDefault();
        start();
      }}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <h2 id="start-h">New training run</h2>
      <div className="start-grid">
        <label>
          Trainer
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="train-regionclip">Region-CLIP (region in context, t_r)</option>
            <option value="train-blip">BLIP (scene, t_f)</option>
          </select>
        </label>
        <label>
          Dataset
          <select
            value={dataset?.id ?? ''}
            onChange={(e) => {
              setDatasetId(Number(e.target.value));
              setPreset(null);
              setFallback(null);
            }}
          >
            {ready.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.sampleCount}, {d.format})
              </option>
            ))}
          </select>
        </label>
        <label>
          Preset
          <select value={chosenPreset} onChange={(e) => setPreset(e.target.value as Preset)} aria-describedby="start-preset-hint">
            <option value="tiny">Tiny: random tiny model, minutes on a CPU (ShapesEdit)</option>
            <option value="paper">Paper: fine-tune a pretrained model (Sec. 4 settings)</option>
          </select>
        </label>
        {chosenPreset === 'paper' ? (
          <label>
            Base model folder
            <input value={baseModel} onChange={(e) => setBaseModel(e.target.value)} placeholder={kind === 'train-regionclip' ? 'CLIP ViT-B/16 folder' : 'blip-itm-base-coco folder'} spellCheck={false} />
          </label>
        ) : null}
        <label className="checkbox">
          <input type="checkbox" checked={fallback ?? shown?.textFallback === 'dataset'} onChange={(e) => setFallback(e.target.checked)} /> Text fallback: where no caption is approved, train on each sample&apos;s own description
        </label>
        <label>
          Epochs (every phase)
          <input type="number" min={1} max={100000} value={epochs} onChange={(e) => setEpochs(e.target.value)} placeholder={shown ? shown.phases.map((p) => `${p.name} ${p.epochs}`).join(', ') : ''} />
        </label>
        <label>
          Batch size
          <input type="number" min={2} max={4096} value={batch} onChange={(e) => setBatch(e.target.value)} placeholder={shown?.batchSize ? String(shown.batchSize) : ''} />
        </label>
        <label>
          Seed <input type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} />
        </label>
        <label>
          Run name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
        </label>
      </div>
      <p id="start-preset-hint" className="muted small">
        {chosenPreset === 'tiny'
          ? 'The tiny preset trains a small random model from scratch: a smoke test of the data and the trainers, not the paper’s model.'
          : 'The paper’s settings: Region-CLIP 50 + 20 epochs at lr 1e-4 / 1e-5, batch 64; BLIP 20 epochs at lr 1e-5, batch 32 — from the base model folder.'}
      </p>
      {ready.length === 0 ? (
        <p className="warn small">
          No dataset is ready: import one in <Link to="/datasets">Datasets</Link> (ShapesEdit takes seconds).
        </p>
      ) : null}
      <Preflight check={shown} error={checkError} />
      {error ? (
        <p className="error small" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !current?.ok}>
          Start training
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** What the pre-flight found: the pairs and texts it would train on, or each refusal with its fix. */
function Preflight({ check, error }: { check: TrainingPreflight | null; error: string | null }) {
  if (error) return <p className="error small">{error}</p>;
  if (!check) return <p className="muted small">Checking the dataset…</p>;
  const texts = check.textFallback === 'none' ? 'approved captions' : 'approved captions, else the dataset’s own descriptions';
  return (
    <section className="preflight" aria-label="Pre-flight check" data-ok={check.ok}>
      {check.ok ? (
        <p className="small ok" data-testid="preflight-summary">
          {check.trainPairs} training + {check.valPairs} validation pairs from {check.dataset?.name} ({texts}) · {check.configSummary}
        </p>
      ) : null}
      <ul className="preflight-problems">
        {check.problems.map((p, i) => (
          <li key={i} className="error small" role="alert" data-field={p.field}>
            {p.message}
            {p.fix.href ? (
              <>
                {' '}
                — <Link to={p.fix.href}>{p.fix.label}</Link>
              </>
            ) : null}
            {p.fix.cli ? <code className="small"> {p.fix.cli}</code> : null}
          </li>
        ))}
        {check.warnings.map((w, i) => (
          <li key={`w${i}`} className="warn small">
            {w}
          </li>
        ))}
      </ul>
    </section>
  );
}
