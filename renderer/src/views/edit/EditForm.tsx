// The Edit view's form: the pipeline folder (checked part by part and for memory as soon as it is
// chosen — edit.check — so a folder that cannot edit, or an edit that cannot fit, is said before
// Run), the source, the instruction and the sampling settings; Run starts one edit, Guidance grid
// the InstructPix2Pix paper's text × image scale grid.
import { useEffect, useState } from 'react';
import { EDIT_DEFAULTS, editSchedulerNames, type EditCheck, type EditScheduler, type ImageRef } from '../../../../shared/api/index';
import { useApi, useQuery } from '../../api/ApiProvider';
import { FolderBrowser } from '../datasets/FolderBrowser';

export interface StartedEdit {
  kind: 'single';
  jobId: number;
  /** The sample's source image (null: an image file, not in the store). */
  source: ImageRef | null;
  sampleId: number | null;
  datasetId: number | null;
  grid: boolean;
  finished: boolean;
}

/** A whole dataset (or split, or its first N samples) edited into a result set, as `ric edit` does. */
export interface StartedDatasetEdit {
  kind: 'dataset';
  jobId: number;
  datasetId: number;
  name: string;
  finished: boolean;
}

const MODEL_KEY = 'ric.edit.model';

/** "5, 7.5, 10" → [5, 7.5, 10]; null when a value is not a scale from 0 to 100 or there are more than 5. */
export function parseScales(text: string): number[] | null {
  const values = text.split(/[,\s]+/).filter(Boolean).map(Number);
  if (values.length === 0 || values.length > 5 || values.some((v) => !Number.isFinite(v) || v < 0 || v > 100)) return null;
  return values;
}

export function EditForm({ onStarted, busy }: { onStarted: (run: StartedEdit | StartedDatasetEdit) => void; busy: boolean }) {
  const api = useApi();
  const [model, setModel] = useState(() => localStorage.getItem(MODEL_KEY) ?? '');
  const [check, setCheck] = useState<EditCheck | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [sourceKind, setSourceKind] = useState<'sample' | 'file'>('sample');
  const datasets = useQuery('datasets.list', {});
  const ready = (datasets.data ?? []).filter((d) => d.status === 'ready');
  const [datasetId, setDatasetId] = useState<number | ''>('');
  const dsId = datasetId === '' ? ready[0]?.id : datasetId;
  const samples = useQuery('samples.query', { datasetId: dsId ?? 0, limit: 200 });
  const [sampleId, setSampleId] = useState<number | ''>('');
  const chosenSample = sampleId === '' ? samples.data?.items[0]?.id : sampleId;
  const [imagePath, setImagePath] = useState('');
  const [instruction, setInstruction] = useState('');
  const [steps, setSteps] = useState<number>(EDIT_DEFAULTS.steps);
  const [guidance, setGuidance] = useState<number>(EDIT_DEFAULTS.guidanceScale);
  const [imageGuidance, setImageGuidance] = useState<number>(EDIT_DEFAULTS.imageGuidanceScale);
  const [seed, setSeed] = useState<number>(EDIT_DEFAULTS.seed);
  const [scheduler, setScheduler] = useState<EditScheduler | ''>('');
  const [resolution, setResolution] = useState('');
  const [gridText, setGridText] = useState('5, 7.5, 10');
  const [gridImage, setGridImage] = useState('1, 1.5, 2');
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  // Which path a folder browser (files.browse: the engine's machine, as in web mode) is open for.
  const [browsing, setBrowsing] = useState<'model' | 'image' | null>(null);
  const [setName, setSetName] = useState('');
  const [split, setSplit] = useState<'' | 'train' | 'val' | 'test'>('');
  const [limit, setLimit] = useState('');

  // The sample's own instruction fills the field when another sample is picked (keyed by its id, so
  // a list reload does not overwrite what the user wrote).
  const sample = samples.data?.items.find((s) => s.id === chosenSample);
  const sampleInstruction = sample?.instruction;
  useEffect(() => {
    if (sourceKind === 'sample' && sampleInstruction !== undefined) setInstruction(sampleInstruction);
  }, [sourceKind, chosenSample, sampleInstruction]);

  const res = resolution.trim() === '' ? undefined : Number(resolution);
  useEffect(() => {
    const folder = model.trim();
    setCheck(null);
    setCheckError(null);
    if (!folder) return;
    let live = true;
    const timer = setTimeout(() => {
      api.call('edit.check', { model: folder, ...(res !== undefined && Number.isInteger(res) && res >= 8 ? { resolution: res } : {}) }).then(
        (c) => live && setCheck(c),
        (e: unknown) => live && setCheckError(e instanceof Error ? e.message : String(e)),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, model, res]);

  // A verdict for an assumed backend (the engine has not started) does not block: the job checks again on the real one.
  const usable = check !== null && check.problems.length === 0 && (check.memory?.layout != null || !check.backend.known);
  const gridScales = { text: parseScales(gridText), image: parseScales(gridImage) };

  const start = (grid: boolean) => {
    setError(null);
    if (grid && (!gridScales.text || !gridScales.image)) {
      setError('guidance grid: give 1 to 5 scales from 0 to 100 for text and for image, separated by commas');
      return;
    }
    const source = sourceKind === 'sample' ? (chosenSample !== undefined ? { sampleId: chosenSample } : null) : imagePath.trim() ? { imagePath: imagePath.trim() } : null;
    if (!source) {
      setError(sourceKind === 'sample' ? 'choose a sample' : 'give the path of an image file');
      return;
    }
    setStarting(true);
    localStorage.setItem(MODEL_KEY, model.trim());
    api
      .call('edit.start', {
        mode: 'single',
        model: model.trim(),
        ...source,
        instruction,
        steps,
        guidanceScale: guidance,
        imageGuidanceScale: imageGuidance,
        seed,
        previewEvery: Math.max(1, Math.round(steps / 10)),
        ...(scheduler ? { scheduler } : {}),
        ...(res !== undefined ? { resolution: res } : {}),
        ...(grid ? { grid: { text: gridScales.text!, image: gridScales.image! } } : {}),
      })
      .then(
        async ({ jobId }) => {
          const detail = sourceKind === 'sample' && chosenSample !== undefined ? await api.call('samples.get', { id: chosenSample }) : null;
          onStarted({ kind: 'single', jobId, source: detail?.source ?? null, sampleId: detail?.id ?? null, datasetId: detail?.datasetId ?? null, grid, finished: false });
        },
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => setStarting(false));
  };

  // Each sample with its own instruction and a seed derived from this one (the provenance says how).
  const startDataset = () => {
    setError(null);
    const n = limit.trim() === '' ? undefined : Number(limit);
    if (dsId === undefined || !setName.trim() || (n !== undefined && (!Number.isInteger(n) || n < 1))) {
      setError('dataset edit: choose a dataset, a result set name, and a limit that is a whole number (or none)');
      return;
    }
    setStarting(true);
    localStorage.setItem(MODEL_KEY, model.trim());
    api
      .call('edit.start', {
        mode: 'dataset',
        model: model.trim(),
        datasetId: dsId,
        name: setName.trim(),
        steps,
        guidanceScale: guidance,
        imageGuidanceScale: imageGuidance,
        seed,
        ...(split ? { split } : {}),
        ...(n !== undefined ? { limit: n } : {}),
        ...(scheduler ? { scheduler } : {}),
        ...(res !== undefined ? { resolution: res } : {}),
      })
      .then(
        ({ jobId }) => onStarted({ kind: 'dataset', jobId, datasetId: dsId, name: setName.trim(), finished: false }),
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => setStarting(false));
  };

  return (
    <form
      className="edit-form panel"
      aria-label="Edit settings"
      onSubmit={(e) => {
        e.preventDefault();
        start(false);
      }}
    >
      <div className="edit-path">
        <label className="wide">
          Pipeline folder
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="/models/instruct-pix2pix" spellCheck={false} aria-describedby="edit-check" />
        </label>
        <button type="button" className="secondary" onClick={() => setBrowsing(browsing === 'model' ? null : 'model')} aria-expanded={browsing === 'model'}>
          Browse…
        </button>
      </div>
      {browsing === 'model' ? (
        <FolderBrowser
          start={model || undefined}
          onChoose={(p) => {
            setModel(p);
            setBrowsing(null);
          }}
        />
      ) : null}
      <div id="edit-check" className="edit-check small" data-testid="edit-check" aria-live="polite">
        {checkError ? <p className="error">{checkError}</p> : null}
        {check ? (
          <>
            {check.problems.map((p) => (
              <p key={p} className="error">
                {p}
              </p>
            ))}
            {check.memory ? <p className={check.memory.layout === null ? 'error' : check.memory.layout === 'on-demand' ? 'warn' : 'ok'}>{check.memory.verdict}</p> : null}
          </>
        ) : model.trim() && !checkError ? (
          <p className="muted">checking the folder…</p>
        ) : null}
      </div>
      <fieldset className="edit-source">
        <legend>Source</legend>
        <label className="checkbox">
          <input type="radio" name="source" checked={sourceKind === 'sample'} onChange={() => setSourceKind('sample')} /> A dataset sample
        </label>
        <label className="checkbox">
          <input type="radio" name="source" checked={sourceKind === 'file'} onChange={() => setSourceKind('file')} /> An image file
        </label>
        {sourceKind === 'sample' ? (
          <>
            <label>
              Dataset
              <select value={dsId ?? ''} onChange={(e) => { setDatasetId(Number(e.target.value)); setSampleId(''); }}>
                {ready.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.sampleCount})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Sample
              <select value={chosenSample ?? ''} onChange={(e) => setSampleId(Number(e.target.value))}>
                {(samples.data?.items ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.externalId} — {s.instruction.slice(0, 50)}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : (
          <>
            <div className="edit-path">
              <label>
                Image file
                <input value={imagePath} onChange={(e) => setImagePath(e.target.value)} placeholder="/data/photo.png (on the engine's machine)" spellCheck={false} />
              </label>
              <button type="button" className="secondary" onClick={() => setBrowsing(browsing === 'image' ? null : 'image')} aria-expanded={browsing === 'image'}>
                Browse…
              </button>
            </div>
            {browsing === 'image' ? (
              <FolderBrowser
                start={imagePath ? imagePath.replace(/[\\/][^\\/]*$/, '') || undefined : undefined}
                acceptFile={(n) => /\.(png|jpe?g|webp|tiff?)$/i.test(n)}
                onChoose={(p) => {
                  if (/\.(png|jpe?g|webp|tiff?)$/i.test(p)) {
                    setImagePath(p);
                    setBrowsing(null);
                  }
                }}
              />
            ) : null}
          </>
        )}
      </fieldset>
      <label className="wide">
        Instruction
        <textarea value={instruction} onChange={(e) => setInstruction(e.target.value)} rows={2} maxLength={2000} />
      </label>
      <div className="edit-settings">
        <label>
          Steps <input type="number" min={1} max={1000} value={steps} onChange={(e) => setSteps(Number(e.target.value))} />
        </label>
        <label>
          Text guidance s_T <input type="number" min={0} max={100} step={0.5} value={guidance} onChange={(e) => setGuidance(Number(e.target.value))} />
        </label>
        <label>
          Image guidance s_I <input type="number" min={0} max={100} step={0.1} value={imageGuidance} onChange={(e) => setImageGuidance(Number(e.target.value))} />
        </label>
        <label>
          Seed <input type="number" min={0} max={2 ** 31 - 1} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
        </label>
        <label>
          Scheduler
          <select value={scheduler} onChange={(e) => setScheduler(e.target.value as EditScheduler | '')}>
            <option value="">the folder&apos;s own</option>
            {editSchedulerNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resolution <input value={resolution} onChange={(e) => setResolution(e.target.value)} inputMode="numeric" placeholder={check?.nativeResolution ? `${check.nativeResolution} (the model's)` : "the model's"} />
        </label>
      </div>
      <details className="edit-grid-settings">
        <summary>Guidance grid scales</summary>
        <label>
          Text scales <input value={gridText} onChange={(e) => setGridText(e.target.value)} />
        </label>
        <label>
          Image scales <input value={gridImage} onChange={(e) => setGridImage(e.target.value)} />
        </label>
      </details>
      {sourceKind === 'sample' ? (
        <details className="edit-dataset">
          <summary>Edit the whole dataset into a result set</summary>
          <p className="small muted">Every sample with its own instruction and the settings above; running it again with the same name and settings finishes what is missing.</p>
          <label>
            Result set name <input value={setName} onChange={(e) => setSetName(e.target.value)} maxLength={200} />
          </label>
          <label>
            Split
            <select value={split} onChange={(e) => setSplit(e.target.value as typeof split)}>
              <option value="">all</option>
              <option value="train">train</option>
              <option value="val">val</option>
              <option value="test">test</option>
            </select>
          </label>
          <label>
            Limit <input value={limit} onChange={(e) => setLimit(e.target.value)} inputMode="numeric" placeholder="all samples" />
          </label>
          <button type="button" className="secondary" disabled={!usable || busy || starting || !setName.trim()} onClick={startDataset}>
            Edit dataset
          </button>
        </details>
      ) : null}
      {error ? (
        <p className="error small" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!usable || busy || starting || !instruction.trim()}>
          Run
        </button>
        <button type="button" className="secondary" disabled={!usable || busy || starting || !instruction.trim()} onClick={() => start(true)} title="Every text scale × every image scale, one seed">
          Guidance grid
        </button>
      </div>
    </form>
  );
}
