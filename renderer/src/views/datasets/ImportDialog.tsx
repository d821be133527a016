// Import a dataset: HumanEdit, MagicBrush or a folder from a path on the engine's machine (with a
// folder browser and a mask-polarity preview), or generate ShapesEdit. After starting, the dialog
// shows the job's live progress (ImportOutcome), and once it ends what came of it: a failure with
// its reason, retry (from a corrected path) and delete; closing it leaves a running import running.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiCallError } from '../../../../shared/api/contract';
import { describeError } from '../../../../shared/api/wording';
import type { DatasetSummary, MaskPolarity } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';
import { DeleteDatasetDialog } from './DatasetActions';
import { FolderBrowser } from './FolderBrowser';
import { ImportOutcome } from './ImportOutcome';
import { useImportJobs } from './importJobs';
import { MaskPreview } from './MaskPreview';

export type ImportFormat = 'humanedit' | 'magicbrush' | 'folder' | 'shapes';

const FORMATS: { value: ImportFormat; label: string; hint: string }[] = [
  { value: 'shapes', label: 'ShapesEdit', hint: 'Generate the synthetic demo world: shapes on textures with exact masks and descriptions.' },
  { value: 'humanedit', label: 'HumanEdit', hint: 'The Hugging Face download folder, or one data/train-*.parquet shard.' },
  { value: 'magicbrush', label: 'MagicBrush', hint: 'The Hugging Face parquet files, or the test-set folder (edit_sessions.json, images/).' },
  { value: 'folder', label: 'Folder', hint: 'source/, target/, mask/ with matching file names, plus a JSONL or CSV of instructions.' },
];

/** The threshold to preview with: the typed value when it is a valid grey level, else the default. */
const validThreshold = (t: string): number => (/^\d{1,3}$/.test(t) && Number(t) <= 255 ? Number(t) : 128);

/** Default polarity per format: HumanEdit's raw masks mark the edit region black. */
export const defaultPolarity = (format: ImportFormat): MaskPolarity => (format === 'humanedit' ? 'black' : 'white');

interface Props {
  open: boolean;
  initialPath?: string;
  onClose(): void;
  onOpenDataset(datasetId: number): void;
}

export function ImportDialog({ open, initialPath, onClose, onOpenDataset }: Props) {
  const api = useApi();
  const dialog = useRef<HTMLDialogElement>(null);
  const { track, jobs, cancel } = useImportJobs();
  const [format, setFormat] = useState<ImportFormat>('shapes');
  const [path, setPath] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const [name, setName] = useState('');
  const [polarity, setPolarity] = useState<MaskPolarity>('white');
  const [alphaMarksEdit, setAlphaMarksEdit] = useState(false);
  const [threshold, setThreshold] = useState('128');
  const [shapes, setShapes] = useState({ count: '200', seed: '0', size: '64' });
  const [started, setStarted] = useState<{ jobId: number; datasetId: number } | null>(null);
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // What the mask preview found wrong with the path (no source/ folder, not a parquet file, ...): the
  // import would fail the same way, so it cannot be started until the path is fixed.
  const [previewProblem, setPreviewProblem] = useState<string | null>(null);
  const blocked = format !== 'shapes' && previewProblem !== null;

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      setStarted(null);
      setError(null);
      if (initialPath) {
        setPath(initialPath);
        if (format === 'shapes') chooseFormat(/\.parquet$/i.test(initialPath) ? 'humanedit' : 'folder');
      }
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);

  const chooseFormat = (f: ImportFormat) => {
    setFormat(f);
    setPolarity(defaultPolarity(f));
    setAlphaMarksEdit(f === 'magicbrush');
    setError(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSubmitting(true);
    try {
      const trimmedName = name.trim() || undefined;
      let result: { jobId: number; datasetId: number };
      let label: string;
      if (format === 'shapes') {
        const count = Number(shapes.count);
        const seed = Number(shapes.seed);
        const size = Number(shapes.size);
        result = await api.call('datasets.importShapes', { count, seed, size, ...(trimmedName ? { name: trimmedName } : {}) });
        label = trimmedName ?? `ShapesEdit ×${count}`;
      } else {
        if (path.trim() === '') {
          setError({ field: 'path', text: 'Choose a path to import.' });
          return;
        }
        result = await api.call('datasets.import', {
          format,
          path: path.trim(),
          ...(trimmedName ? { name: trimmedName } : {}),
          options: { maskPolarity: polarity, maskThreshold: Number(threshold), ...(format !== 'humanedit' ? { alphaMarksEdit } : {}) },
        });
        label = trimmedName ?? path.trim().split(/[\\/]/).filter(Boolean).pop() ?? path;
      }
      track({ ...result, label });
      setStarted(result);
    } catch (err) {
      const issue = err instanceof ApiCallError ? err.issues?.[0] : undefined;
      setError({ text: describeError(err), ...(issue ? { field: String(issue.path[0]) } : {}) });
    } finally {
      setSubmitting(false);
    }
  };

  /** The failed import again, into the same dataset (from a corrected path when nothing was imported). */
  const retry = async (retryPath: string | undefined) => {
    if (!started) return;
    setError(null);
    try {
      const again = await api.call('datasets.retryImport', { id: started.datasetId, ...(retryPath ? { path: retryPath } : {}) });
      if (retryPath) setPath(retryPath);
      track({ ...again, label: job?.label ?? name.trim() ?? 'Import' });
      setStarted(again);
    } catch (err) {
      setError({ text: describeError(err) });
    }
  };

  // Deleting goes through the same confirmation as everywhere else (it may hold a partial import).
  const [deleting, setDeleting] = useState<DatasetSummary | null>(null);
  const removeDataset = async () => {
    if (!started) return;
    setError(null);
    try {
      setDeleting(await api.call('datasets.get', { id: started.datasetId }));
    } catch (err) {
      setError({ text: describeError(err) });
    }
  };

  const job = started ? jobs.find((j) => j.jobId === started.jobId) : undefined;
  const fieldError = (field: string) =>
    error?.field === field ? (
      <span className="field-error" role="alert">
        {error.text}
      </span>
    ) : null;
  const formatHint = FORMATS.find((f) => f.value === format)?.hint;

  return (
    <dialog ref={dialog} className="import-dialog" aria-labelledby="import-title" onClose={onClose}>
      <header className="dialog-header">
        <h2 id="import-title">Import a dataset</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {started ? (
        <ImportOutcome
          job={job}
          datasetId={started.datasetId}
          format={format}
          path={path}
          error={error?.text ?? null}
          onCancel={() => void cancel(started.jobId).catch((err: unknown) => setError({ text: describeError(err) }))}
          onRetry={(retryPath) => void retry(retryPath)}
          onOpen={() => onOpenDataset(started.datasetId)}
          onDelete={() => void removeDataset()}
          onClose={onClose}
        />
      ) : (
        <form className="dialog-body" onSubmit={(e) => void submit(e)}>
          <fieldset className="format-choice">
            <legend>Format</legend>
            <div className="segmented" role="radiogroup" aria-label="Format">
              {FORMATS.map((f) => (
                <label key={f.value} className={format === f.value ? 'checked' : ''}>
                  <input type="radio" name="format" value={f.value} checked={format === f.value} onChange={() => chooseFormat(f.value)} />
                  {f.label}
                </label>
              ))}
            </div>
            <p className="hint">{formatHint}</p>
          </fieldset>

          <div className="field">
            <label htmlFor="import-name">Name</label>
            <input id="import-name" value={name} placeholder="optional; derived from the path or settings" onChange={(e) => setName(e.target.value)} />
            {fieldError('name')}
          </div>

          {format === 'shapes' ? (
            <>
              <div className="field">
                <label htmlFor="shapes-count">Samples</label>
                <input id="shapes-count" type="number" min={1} max={1_000_000} required value={shapes.count} onChange={(e) => setShapes({ ...shapes, count: e.target.value })} />
                {fieldError('count')}
              </div>
              <div className="field">
                <label htmlFor="shapes-seed">Seed</label>
                <input id="shapes-seed" type="number" min={0} required value={shapes.seed} onChange={(e) => setShapes({ ...shapes, seed: e.target.value })} />
                {fieldError('seed')}
              </div>
              <div className="field">
                <label htmlFor="shapes-size">Image size (px)</label>
                <input id="shapes-size" type="number" min={16} max={1024} required value={shapes.size} onChange={(e) => setShapes({ ...shapes, size: e.target.value })} />
                {fieldError('size')}
              </div>
            </>
          ) : (
            <>
              <div className="field">
                <label htmlFor="import-path">Path on the engine machine</label>
                <div className="path-row">
                  <input id="import-path" value={path} spellCheck={false} placeholder="/data/HumanEdit" onChange={(e) => setPath(e.target.value)} />
                  <button type="button" className="secondary" aria-expanded={browsing} onClick={() => setBrowsing((b) => !b)}>
                    Browse…
                  </button>
                </div>
                {fieldError('path')}
              </div>
              {browsing ? (
                <FolderBrowser
                  start={path || undefined}
                  acceptFile={(n) => /\.parquet$/i.test(n)}
                  onChoose={(p) => {
                    setPath(p);
                    setBrowsing(false);
                  }}
                />
              ) : null}
              <div className="field">
                <span id="polarity-label">Mask polarity</span>
                <div className="segmented" role="radiogroup" aria-labelledby="polarity-label">
                  {(['white', 'black'] as const).map((p) => (
                    <label key={p} className={polarity === p ? 'checked' : ''}>
                      <input type="radio" name="polarity" value={p} checked={polarity === p} onChange={() => setPolarity(p)} />
                      {p === 'white' ? 'White marks the edit' : 'Black marks the edit'}
                    </label>
                  ))}
                </div>
                {format !== 'humanedit' ? (
                  <label className="checkbox">
                    <input type="checkbox" checked={alphaMarksEdit} onChange={(e) => setAlphaMarksEdit(e.target.checked)} />
                    RGBA masks: transparency marks the edit
                  </label>
                ) : null}
              </div>
              <div className="field">
                <label htmlFor="mask-threshold">Mask threshold</label>
                <input
                  id="mask-threshold"
                  type="number"
                  min={0}
                  max={255}
                  required
                  value={threshold}
                  onChange={(e) => setThreshold(e.target.value)}
                  aria-describedby="mask-threshold-hint"
                />
                <p className="hint" id="mask-threshold-hint">
                  Grey level (after polarity) from which a pixel counts as edit; JPEG-compressed or antialiased masks may need another value.
                </p>
                {fieldError('options')}
              </div>
              <MaskPreview
                format={format}
                path={path}
                maskPolarity={polarity}
                alphaMarksEdit={alphaMarksEdit}
                maskThreshold={validThreshold(threshold)}
                onProblem={setPreviewProblem}
              />
            </>
          )}
          {error && !error.field ? (
            <p className="error" role="alert">
              {error.text}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={submitting || blocked} title={blocked ? 'The path cannot be imported as it is: see above' : undefined}>
              {format === 'shapes' ? 'Generate' : 'Import'}
            </button>
            <button type="button" className="secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {deleting ? (
        <DeleteDatasetDialog
          dataset={deleting}
          open
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            setStarted(null);
          }}
        />
      ) : null}
    </dialog>
  );
}
