// One Edit-view job as it runs and after: the progress (steps over all grid cells), the latest x̂0
// preview (edit.preview), each image as it finishes (edit.output), then the chosen image beside the
// source (side by side or under the slider), and Keep: that image as its sample's entry in a result
// set (edit.keep).
import { useEffect, useState } from 'react';
import { editSingleResultSchema, type EditOutput } from '../../../../shared/api/index';
import { useApi, useBlobUrl } from '../../api/ApiProvider';
import { ImageStage } from '../datasets/ImageStage';
import { EditJobProgress, useEditJob } from './editJob';
import type { StartedEdit } from './EditForm';

export function EditRun({ run, onFinished }: { run: StartedEdit; onFinished: () => void }) {
  const api = useApi();
  const blobUrl = useBlobUrl();
  const [preview, setPreview] = useState<{ png: string; step: number; total: number } | null>(null);
  const [outputs, setOutputs] = useState<EditOutput[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState(0);
  const [mode, setMode] = useState<'side' | 'slider'>('slider');
  const [keepName, setKeepName] = useState('kept edits');
  const [kept, setKept] = useState<string | null>(null);

  const { progress, state, running } = useEditJob(run.jobId, (job) => {
    setError(job.error);
    const result = editSingleResultSchema.safeParse(job.result);
    if (result.success) setOutputs(result.data.outputs);
    onFinished();
  });

  useEffect(() => {
    const offs = [
      api.on('edit.preview', (p) => {
        if (p.jobId === run.jobId) setPreview({ png: p.png, step: p.step, total: p.total });
      }),
      api.on('edit.output', (o) => {
        if (o.jobId === run.jobId) setOutputs((list) => (list.some((x) => x.index === o.index) ? list : [...list, o].sort((a, b) => a.index - b.index)));
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api, run.jobId]);

  const selected = outputs.find((o) => o.index === chosen) ?? outputs[0];
  const keep = () => {
    if (!selected) return;
    setKept(null);
    setError(null);
    api.call('edit.keep', { jobId: run.jobId, index: selected.index, name: keepName.trim(), replace: true }).then(
      (r) => setKept(`kept into result set "${keepName.trim()}" (${r.created ? 'new set' : 'existing set'}${r.replaced ? ', replacing the earlier image' : ''})`),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <section className="edit-run panel" aria-label="Edit result" data-testid="edit-run" data-state={state}>
      <header className="edit-run-header">
        <h2>
          Job {run.jobId}: <span data-testid="edit-state">{state}</span>
        </h2>
        {running ? (
          <button type="button" className="secondary" onClick={() => void api.call('jobs.cancel', { id: run.jobId }).catch(() => undefined)}>
            Cancel edit
          </button>
        ) : null}
      </header>
      {running ? <EditJobProgress progress={progress} unit="steps" label="Edit progress" /> : null}
      {running && preview ? (
        <figure className="edit-preview">
          <img src={preview.png} alt={`x̂0 preview at step ${preview.step} of ${preview.total}`} data-testid="edit-preview" />
          <figcaption className="muted small">
            x̂0 at step {preview.step} of {preview.total}
          </figcaption>
        </figure>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {outputs.length > 1 ? (
        <div className="edit-grid" role="listbox" aria-label="Guidance grid">
          {outputs.map((o) => (
            <button key={o.index} type="button" role="option" aria-selected={selected?.index === o.index} className="edit-grid-cell" onClick={() => setChosen(o.index)}>
              <img src={blobUrl(o.image.thumbSha256 ?? o.image.sha256)} alt="" />
              <span className="small">
                s_T {o.guidanceScale} · s_I {o.imageGuidanceScale}
              </span>
            </button>
          ))}
        </div>
      ) : null}
      {selected ? (
        <>
          <p className="small muted" data-testid="edit-output">
            {selected.image.width}×{selected.image.height}, s_T {selected.guidanceScale}, s_I {selected.imageGuidanceScale}, seed {selected.seed}, {selected.seconds.toFixed(1)} s
          </p>
          {run.source ? (
            <>
              <div className="edit-compare-mode">
                <label className="checkbox">
                  <input type="radio" checked={mode === 'slider'} onChange={() => setMode('slider')} /> Slider
                </label>
                <label className="checkbox">
                  <input type="radio" checked={mode === 'side'} onChange={() => setMode('side')} /> Side by side
                </label>
              </div>
              <ImageStage source={run.source} target={selected.image} mask={null} mode={mode} zoom="fit" overlay={{ showMask: false, maskOpacity: 0, showBox: false }} targetLabel="Edited" />
            </>
          ) : (
            <img className="edit-result-alone" src={blobUrl(selected.image.sha256)} alt="Edited image" />
          )}
          {run.sampleId !== null && !running ? (
            <div className="edit-keep">
              <label>
                Keep into result set <input value={keepName} onChange={(e) => setKeepName(e.target.value)} maxLength={200} />
              </label>
              <button type="button" className="primary" onClick={keep} disabled={!keepName.trim()}>
                Keep this result
              </button>
              {kept ? (
                <span className="ok small" role="status">
                  {kept}
                </span>
              ) : null}
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
