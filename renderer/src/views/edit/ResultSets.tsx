// Result sets of a dataset: the list (method, origin, how full, seconds per image), and the open
// set's images page by page — an image beside its sample's source under the slider, an error row
// with its reason. Lists refresh on results.changed (an edit job filling a set shows it growing).
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { ResultImage } from '../../../../shared/api/index';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { ImageStage } from '../datasets/ImageStage';

const PAGE = 60;

export function ResultSets() {
  const api = useApi();
  const blobUrl = useBlobUrl();
  const datasets = useQuery('datasets.list', {});
  const [datasetId, setDatasetId] = useState<number | ''>('');
  const dsId = datasetId === '' ? datasets.data?.[0]?.id : datasetId;
  const sets = useQuery('results.list', { datasetId: dsId ?? 0 });
  const [openId, setOpenId] = useState<number | null>(null);
  const [offset, setOffset] = useState(0);
  const images = useQuery('results.images', { id: openId ?? 0, offset, limit: PAGE });
  const [picked, setPicked] = useState<ResultImage | null>(null);
  const sampleQuery = useQuery('samples.get', { id: picked?.sampleId ?? 0 });
  const [error, setError] = useState<string | null>(null);
  const reloadSets = sets.reload;
  const reloadImages = images.reload;

  useEffect(
    () =>
      api.on('results.changed', (e) => {
        if (e.datasetId !== dsId) return;
        reloadSets();
        if (e.resultSetId === openId) reloadImages();
      }),
    [api, dsId, openId, reloadSets, reloadImages],
  );

  const open = openId !== null ? sets.data?.find((s) => s.id === openId) : undefined;
  const remove = (id: number, name: string) => {
    if (!window.confirm(`Delete result set "${name}" and its image rows?`)) return;
    api.call('results.delete', { id }).then(
      () => {
        if (openId === id) setOpenId(null);
        reloadSets();
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <div className="result-sets">
      <label className="result-sets-dataset">
        Dataset
        <select value={dsId ?? ''} onChange={(e) => { setDatasetId(Number(e.target.value)); setOpenId(null); setPicked(null); }}>
          {(datasets.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {sets.data && sets.data.length === 0 ? <p className="muted">No result sets on this dataset yet: run `ric edit`, keep a result from the Edit tab, or `ric import results`.</p> : null}
      {sets.data && sets.data.length > 0 ? (
        <table className="result-sets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Method</th>
              <th>Origin</th>
              <th>Status</th>
              <th>Images</th>
              <th>Errors</th>
              <th>s / image</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sets.data.map((s) => (
              <tr key={s.id} className={s.id === openId ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link-button" onClick={() => { setOpenId(s.id); setOffset(0); setPicked(null); }}>
                    {s.name}
                  </button>
                </td>
                <td>{s.method}</td>
                <td>{s.origin}</td>
                <td className={`status-${s.status}`}>{s.status}</td>
                <td>
                  {s.done}
                  {s.expected !== null ? ` of ${s.expected}` : ''}
                </td>
                <td>{s.errors}</td>
                <td>{s.secondsPerImage !== null ? s.secondsPerImage.toFixed(2) : '—'}</td>
                <td>
                  <button type="button" className="secondary danger" onClick={() => remove(s.id, s.name)} aria-label={`Delete result set ${s.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {open && images.data ? (
        <section className="result-images" aria-label={`Images of ${open.name}`}>
          <h2>
            {open.name} <span className="muted small">({images.data.total} rows)</span>
          </h2>
          <ul className="result-grid">
            {images.data.items.map((i) => (
              <li key={i.sampleId}>
                {i.image ? (
                  <button type="button" className="result-thumb" onClick={() => setPicked(i)} aria-label={`Sample ${i.externalId}`} aria-pressed={picked?.sampleId === i.sampleId}>
                    <img src={blobUrl(i.image.thumbSha256 ?? i.image.sha256)} alt="" loading="lazy" />
                    <span className="small">{i.externalId}</span>
                  </button>
                ) : (
                  <div className="result-error small" title={i.error ?? ''}>
                    <strong>{i.externalId}</strong>
                    <span className="error">{i.error}</span>
                  </div>
                )}
              </li>
            ))}
          </ul>
          <div className="form-actions">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <button type="button" className="secondary" disabled={offset + PAGE >= images.data.total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </div>
          {picked?.image && sampleQuery.data && sampleQuery.data.id === picked.sampleId ? (
            <div className="result-compare">
              <p className="small">
                {picked.externalId}: “{sampleQuery.data.instruction}” ·{' '}
                <Link to={`/datasets/${sampleQuery.data.datasetId}/samples/${picked.sampleId}`}>open in the sample view</Link>
              </p>
              <ImageStage source={sampleQuery.data.source} target={picked.image} mask={null} mode="slider" zoom="fit" overlay={{ showMask: false, maskOpacity: 0, showBox: false }} targetLabel="Edited" />
            </div>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
