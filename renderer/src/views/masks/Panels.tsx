// Side panels of the mask editor: versions (restore, diff), import/export, and the help overlay.
import { useEffect, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { MaskImportOptions, MaskVersion } from '../../../../shared/api/masks';
import { useApi } from '../../api/ApiProvider';

const fmtTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

export function VersionsPanel(props: {
  versions: MaskVersion[] | undefined;
  error: string | null;
  diffOf: number | null;
  diffCounts: { added: number; removed: number } | null;
  onDiff(version: number | null): void;
  onRestore(version: number): void;
}) {
  const { versions } = props;
  return (
    <section className="mask-panel" aria-labelledby="mask-versions-title">
      <h2 id="mask-versions-title">Versions</h2>
      {props.error ? <p className="error">{props.error}</p> : null}
      {versions && versions.length === 0 ? <p className="hint">No saved mask yet. Save creates version 1.</p> : null}
      {props.diffOf !== null && props.diffCounts ? (
        <p className="mask-diff-legend" data-testid="diff-legend">
          Diff v{props.diffOf} → editor: <span className="added">+{props.diffCounts.added.toLocaleString()}</span>{' '}
          <span className="removed">−{props.diffCounts.removed.toLocaleString()}</span>{' '}
          <button type="button" className="link-button" onClick={() => props.onDiff(null)}>
            hide
          </button>
        </p>
      ) : null}
      <ol className="mask-versions" data-testid="mask-versions">
        {versions?.map((v) => (
          <li key={v.id} className={v.current ? 'current' : ''} data-version={v.version}>
            <div className="mask-version-head">
              <strong>v{v.version}</strong>
              <span className="muted">{v.source}</span>
              <span className="muted">{v.author}</span>
              <span className="muted">{fmtTime(v.createdAt)}</span>
            </div>
            <div className="muted mask-version-meta">
              {v.area.toLocaleString()} px{v.box ? ` · box ${v.box.width}×${v.box.height}` : ' · empty'}
              {v.parentVersion !== null ? ` · from v${v.parentVersion}` : ''}
              {v.note ? ` · ${v.note}` : ''}
            </div>
            <div className="mask-version-actions">
              <button type="button" className="secondary" aria-pressed={props.diffOf === v.version} onClick={() => props.onDiff(props.diffOf === v.version ? null : v.version)}>
                Diff
              </button>
              {!v.current ? (
                <button type="button" className="secondary" onClick={() => props.onRestore(v.version)}>
                  Restore
                </button>
              ) : (
                <span className="muted">current</span>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}


export function ImportExportPanel({ datasetId, onImported }: { datasetId: number; onImported(): void }) {
  const api = useApi();
  const [dir, setDir] = useState('');
  const [options, setOptions] = useState<MaskImportOptions>({ polarity: 'white', alpha: 'composite', threshold: 128, sizeMismatch: 'error' });
  const [preview, setPreview] = useState<{ loading: boolean; error: string | null; data: { files: number; matched: number; unmatched: string[]; previews: { file: string; externalId: string; channels: number; filePng: string; maskPng: string; editFraction: number; error: string | null }[] } | null }>({ loading: false, error: null, data: null });
  const [report, setReport] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [exportDir, setExportDir] = useState('');
  const [exportPolarity, setExportPolarity] = useState<'white' | 'black'>('white');
  const [progress, setProgress] = useState<string | null>(null);

  // Long imports and exports report a count, a rate and an ETA while the call runs.
  useEffect(() => {
    if (!busy) {
      setProgress(null);
      return;
    }
    return api.on('masks.progress', (p) => {
      if (p.datasetId !== datasetId) return;
      const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.floor(p.etaSeconds / 60)}:${String(Math.round(p.etaSeconds % 60)).padStart(2, '0')}`;
      setProgress(`${p.operation === 'import' ? 'Importing' : 'Exporting'} ${p.done.toLocaleString()} / ${p.total.toLocaleString()}${p.rate ? ` · ${p.rate.toFixed(1)}/s` : ''}${eta}`);
    });
  }, [api, busy, datasetId]);

  // Live preview: every change of folder or options shows the first masks as they will be stored.
  useEffect(() => {
    if (dir.trim() === '') {
      setPreview({ loading: false, error: null, data: null });
      return;
    }
    let live = true;
    setPreview((p) => ({ ...p, loading: true }));
    const t = setTimeout(() => {
      api.call('masks.previewImport', { datasetId, path: dir.trim(), options, count: 4 }).then(
        (data) => live && setPreview({ loading: false, error: null, data }),
        (err: unknown) => live && setPreview({ loading: false, error: describeError(err), data: null }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, datasetId, dir, options]);

  const runImport = async () => {
    setBusy(true);
    setReport(null);
    try {
      const r = await api.call('masks.importFiles', { datasetId, path: dir.trim(), options });
      setReport(
        `${dir.trim()}: ${r.imported} imported, ${r.unchanged} unchanged, ${r.unmatched.length} unmatched, ${r.errors.length} errors` +
          (r.errors.length ? `: ${r.errors.slice(0, 5).map((e) => `${e.file}: ${e.reason}`).join('; ')}` : ''),
      );
      onImported();
    } catch (err) {
      setReport(`Import failed: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const runExport = async () => {
    setBusy(true);
    setReport(null);
    try {
      const r = await api.call('masks.export', { datasetId, path: exportDir.trim(), polarity: exportPolarity });
      setReport(`Exported ${r.written} masks to ${r.dir}${r.withoutMask ? ` (${r.withoutMask} samples without a mask)` : ''}`);
    } catch (err) {
      setReport(`Export failed: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="mask-panel" aria-labelledby="mask-io-title">
      <h2 id="mask-io-title">Import / export masks</h2>
      <label className="mask-field">
        <span>Folder of mask files</span>
        <input value={dir} onChange={(e) => setDir(e.target.value)} placeholder="/data/humanedit/masks" aria-label="Import folder" />
      </label>
      <div className="mask-row">
        <label className="mask-field">
          <span>Edit is</span>
          <select value={options.polarity} aria-label="Import polarity" onChange={(e) => setOptions({ ...options, polarity: e.target.value as 'white' | 'black' })}>
            <option value="white">white / opaque</option>
            <option value="black">black / transparent</option>
          </select>
        </label>
        <label className="mask-field">
          <span>Alpha</span>
          <select value={options.alpha} aria-label="Alpha handling" onChange={(e) => setOptions({ ...options, alpha: e.target.value as MaskImportOptions['alpha'] })}>
            <option value="composite">over black</option>
            <option value="ignore">ignore</option>
            <option value="alpha">is the mask</option>
          </select>
        </label>
      </div>
      <div className="mask-row">
        <label className="mask-field">
          <span>Threshold {options.threshold}</span>
          <input type="range" min={1} max={255} value={options.threshold} aria-label="Import threshold" onChange={(e) => setOptions({ ...options, threshold: Number(e.target.value) })} />
        </label>
        <label className="mask-field">
          <span>Other size</span>
          <select value={options.sizeMismatch} aria-label="Size mismatch" onChange={(e) => setOptions({ ...options, sizeMismatch: e.target.value as 'error' | 'resize' })}>
            <option value="error">reject</option>
            <option value="resize">resize</option>
          </select>
        </label>
      </div>
      {preview.loading ? <p className="hint">Reading…</p> : null}
      {preview.error ? <p className="error">{preview.error}</p> : null}
      {preview.data ? (
        <>
          <p className="hint" data-testid="import-match">
            {preview.data.matched} of {preview.data.files} files match a sample{preview.data.unmatched.length ? `; unmatched: ${preview.data.unmatched.slice(0, 3).join(', ')}${preview.data.unmatched.length > 3 ? ', …' : ''}` : ''}
          </p>
          <div className="mask-import-previews">
            {preview.data.previews.map((p) => (
              <figure key={p.file} title={p.file}>
                {p.error ? (
                  <figcaption className="error">{p.externalId}: {p.error}</figcaption>
                ) : (
                  <>
                    <div className="pair">
                      <img src={p.filePng} alt={`${p.file} as read`} />
                      <img src={p.maskPng} alt={`${p.externalId} as stored`} />
                    </div>
                    <figcaption>
                      {p.externalId} · {p.channels} ch · {(p.editFraction * 100).toFixed(1)}% edit
                    </figcaption>
                  </>
                )}
              </figure>
            ))}
          </div>
          <button type="button" className="primary" disabled={busy || preview.data.matched === 0} onClick={() => void runImport()}>
            Import {preview.data.matched} masks
          </button>
        </>
      ) : null}
      <div className="mask-row mask-export">
        <label className="mask-field mask-export-dir">
          <span>Export every mask of the dataset to</span>
          <input value={exportDir} onChange={(e) => setExportDir(e.target.value)} placeholder="/path/to/export folder" aria-label="Export folder" spellCheck={false} />
        </label>
        <select value={exportPolarity} aria-label="Export polarity" onChange={(e) => setExportPolarity(e.target.value as 'white' | 'black')}>
          <option value="white">white = edit</option>
          <option value="black">black = edit</option>
        </select>
        <button type="button" className="secondary" disabled={busy || exportDir.trim() === ''} onClick={() => void runExport()}>
          Export
        </button>
      </div>
      {busy ? (
        <p className="hint" role="status" data-testid="mask-io-progress">
          {progress ?? 'Starting…'}
        </p>
      ) : null}
      {report ? (
        <p className="hint" role="status" data-testid="mask-io-report">
          {report}
        </p>
      ) : null}
    </section>
  );
}

export const SHORTCUTS: [string, string][] = [
  ['B', 'Brush'],
  ['E', 'Eraser'],
  ['P', 'Polygon: click points; click the first point or Enter to close; drag points to edit; Backspace removes the last; Esc cancels'],
  ['R', 'Rectangle (drag)'],
  ['F', 'Bucket fill of a closed region'],
  ['Alt + shape / fill', 'Erase instead of paint'],
  ['[ / ]', 'Brush smaller / larger'],
  ['Shift + [ / ]', 'Brush softer / harder'],
  ['I', 'Invert'],
  ['Delete', 'Clear'],
  ['G / Shift+G', 'Grow / shrink by N pixels'],
  ['X', 'Swap source / target image'],
  ['O', 'Onion skin of the other image on / off'],
  ['Ctrl/Cmd + Z', 'Undo'],
  ['Shift + Ctrl/Cmd + Z, Ctrl + Y', 'Redo'],
  ['Ctrl/Cmd + S', 'Save as a new version'],
  ['Space + drag, middle drag', 'Pan'],
  ['Wheel', 'Zoom at the pointer'],
  ['0 / 1', 'Fit / one image pixel per screen pixel'],
  ['N / Shift+N', 'Next / previous sample (filter applies)'],
  ['?', 'This help'],
];

export function HelpOverlay({ onClose }: { onClose(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' || e.key === '?') {
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  return (
    <div className="mask-help" role="dialog" aria-modal="true" aria-labelledby="mask-help-title" data-testid="mask-help" onClick={onClose}>
      <div className="mask-help-card" onClick={(e) => e.stopPropagation()}>
        <h2 id="mask-help-title">Mask editor shortcuts</h2>
        <dl>
          {SHORTCUTS.map(([k, v]) => (
            <div key={k}>
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">Masks are edited at the image&apos;s own resolution. A pixel belongs to the edit region when its value is at least 128; the dashed box is the crop the region loss sees (Eq. 6).</p>
        <button type="button" className="secondary" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}
