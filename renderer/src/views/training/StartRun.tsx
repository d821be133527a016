// Starting a training run from the UI: trainer, dataset, the tiny preset or the paper's settings,
// and the few fields people change most; the trainer checks the full config when the job starts.
import { useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';

export function StartRun({ onStarted, onClose }: { onStarted: (runId: number) => void; onClose: () => void }) {
  const api = useApi();
  const datasets = useQuery('datasets.list', {});
  const [kind, setKind] = useState<'train-regionclip' | 'train-blip'>('train-regionclip');
  const [datasetId, setDatasetId] = useState<number | ''>('');
  const [tiny, setTiny] = useState(true);
  const [epochs, setEpochs] = useState(6);
  const [batch, setBatch] = useState(16);
  const [lr, setLr] = useState('3e-3');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = (datasets.data ?? []).filter((d) => d.status === 'ready');
  const chosen = datasetId === '' ? ready[0]?.id : datasetId;

  const start = () => {
    if (chosen === undefined) return;
    setBusy(true);
    setError(null);
    const phase = kind === 'train-regionclip' ? 'fusion' : 'blip';
    api
      .call('jobs.start', {
        kind,
        params: {
          datasetId: chosen,
          ...(tiny ? { preset: 'tiny' } : {}),
          ...(name.trim() ? { name: name.trim() } : {}),
          config: { batch_size: batch, checkpoint_every_steps: 10, phases: [{ name: phase, epochs, lr: Number(lr) }] },
        },
      })
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
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="train-regionclip">Region-CLIP (region in context, t_r)</option>
            <option value="train-blip">BLIP (scene, t_f)</option>
          </select>
        </label>
        <label>
          Dataset
          <select value={chosen ?? ''} onChange={(e) => setDatasetId(Number(e.target.value))} aria-describedby="start-ds-hint">
            {ready.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.sampleCount})
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={tiny} onChange={(e) => setTiny(e.target.checked)} /> Tiny preset (random tiny model, minutes on a CPU)
        </label>
        <label>
          Epochs <input type="number" min={1} max={1000} value={epochs} onChange={(e) => setEpochs(Number(e.target.value))} />
        </label>
        <label>
          Batch size <input type="number" min={2} max={4096} value={batch} onChange={(e) => setBatch(Number(e.target.value))} />
        </label>
        <label>
          Learning rate <input value={lr} onChange={(e) => setLr(e.target.value)} inputMode="decimal" />
        </label>
        <label>
          Run name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
        </label>
      </div>
      {ready.length === 0 ? (
        <p id="start-ds-hint" className="warn small">
          No dataset is ready: import one in Datasets (ShapesEdit takes seconds).
        </p>
      ) : null}
      {error ? (
        <p className="error small" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || chosen === undefined}>
          Start training
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
