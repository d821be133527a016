// /masks and /masks/:sampleId — pick a dataset, then edit its samples' masks one after another.
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { MaskEditorSample, MaskNavFilter } from '../../../../shared/api/masks';
import { ApiCallError } from '../../../../shared/api/contract';
import { describeError } from '../../../../shared/api/wording';
import { rleFromBase64 } from '../../../../shared/mask/index';
import { useApi, useBlobUrl, useQuery } from '../../api/ApiProvider';
import { NotFound } from '../../components/NotFound';
import { ViewHeader } from '../../components/ViewHeader';
import { MaskEditor } from './MaskEditor';
import { usePrefs, type NavFilter } from './prefs';
import './masks.css';

const FILTERS: Record<NavFilter, MaskNavFilter> = {
  all: {},
  flagged: { flagged: true },
  withMask: { hasMask: true },
  withoutMask: { hasMask: false },
};

interface Loaded {
  sample: MaskEditorSample;
  initial: Uint8Array | null;
  images: { source: ImageBitmap | null; target: ImageBitmap | null };
  loadId: number;
}

async function bitmap(url: string): Promise<ImageBitmap> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch {
    throw new Error('cannot reach the RIC Studio server to load this sample’s images; if it has stopped, start it again and reload');
  }
  if (!res.ok) throw new Error(`an image of this sample could not be loaded (HTTP ${res.status}); the data folder may be missing it`);
  return createImageBitmap(await res.blob());
}

export function MasksView() {
  const { sampleId: param } = useParams();
  const sampleId = param !== undefined && /^\d+$/.test(param) ? Number(param) : null;
  const api = useApi();
  const blobUrl = useBlobUrl();
  const navigate = useNavigate();
  const [prefs, setPrefs] = usePrefs();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [nav, setNav] = useState<{ position: number | null; total: number } | null>(null);
  const [missing, setMissing] = useState<number | null>(null);
  const datasets = useQuery('datasets.list', {});

  useEffect(() => {
    if (sampleId === null) {
      setLoaded(null);
      return;
    }
    let live = true;
    setError(null);
    (async () => {
      const sample = await api.call('masks.sample', { sampleId });
      const [mask, source, target] = await Promise.all([
        sample.mask ? api.call('masks.get', { sampleId }) : Promise.resolve(null),
        bitmap(blobUrl(sample.source.sha256)),
        sample.target ? bitmap(blobUrl(sample.target.sha256)) : Promise.resolve(null),
      ]);
      if (mask && (mask.mask.width !== sample.width || mask.mask.height !== sample.height)) {
        throw new Error(
          `Mask version ${mask.mask.version} of ${sample.externalId} is ${mask.mask.width}×${mask.mask.height}, but its image is ${sample.width}×${sample.height}. ` +
            'Import the mask again with "Other size: resize" (or ric import masks --size-mismatch resize).',
        );
      }
      const initial = mask ? rleFromBase64(mask.rle, sample.width * sample.height) : null;
      if (live) setLoaded({ sample, initial, images: { source, target }, loadId: generation });
    })().catch((err: unknown) => {
      if (!live) return;
      if (err instanceof ApiCallError && err.code === 'not_found') setMissing(sampleId);
      else setError(describeError(err));
    });
    return () => {
      live = false;
    };
  }, [api, blobUrl, sampleId, generation]);

  // Position of this sample among those passing the filter.
  useEffect(() => {
    if (!loaded) return;
    const { sample } = loaded;
    api
      .call('masks.navigate', { datasetId: sample.datasetId, fromSampleId: sample.id - 1 >= 0 ? sample.id - 1 : null, direction: 'next', filter: FILTERS[prefs.filter] })
      .then((r) => setNav({ position: r.sampleId === sample.id ? r.position : null, total: r.total }), () => setNav(null));
  }, [api, loaded, prefs.filter]);

  const step = useCallback(
    async (direction: 'next' | 'previous', datasetId: number, from: number | null) => {
      try {
        const r = await api.call('masks.navigate', { datasetId, fromSampleId: from, direction, filter: FILTERS[prefs.filter] });
        if (r.sampleId === null) setError(`No ${direction} sample${prefs.filter === 'all' ? '' : ' passing the filter'} (${r.total} in all).`);
        else {
          setError(null);
          void navigate(`/masks/${r.sampleId}`);
        }
      } catch (err) {
        setError(describeError(err));
      }
    },
    [api, navigate, prefs.filter],
  );

  if (param !== undefined && (sampleId === null || missing === sampleId)) {
    return (
      <NotFound title="No such sample" links={[{ to: '/masks', label: 'Masks: open a dataset' }, { to: '/datasets', label: 'Datasets' }]}>
        There is no sample {sampleId ?? `“${param}”`} to edit a mask of. It may have been deleted with its dataset.
      </NotFound>
    );
  }

  if (param !== undefined && (sampleId === null || missing === sampleId)) {
    return (
      <NotFound title="No such sample" links={[{ to: '/masks', label: 'Masks: open a dataset' }, { to: '/datasets', label: 'Datasets' }]}>
        There is no sample {sampleId ?? `“${param}”`} to edit a mask of. It may have been deleted with its dataset.
      </NotFound>
    );
  }

  if (sampleId === null) {
    return (
      <div className="masks-view">
        <ViewHeader title="Masks" summary="Fix edit-region masks at full resolution: brush, polygon, rectangle, fill, grow/shrink, versions." />
        <section className="mask-panel mask-start">
          <h2>Open a dataset</h2>
          {datasets.error ? <p className="error">{describeError(datasets.error)}</p> : null}
          {datasets.data && datasets.data.length === 0 ? <p className="hint">No dataset yet: import one in Datasets (or ric import …).</p> : null}
          <label className="mask-field">
            <span>Step through</span>
            <select value={prefs.filter} onChange={(e) => setPrefs({ filter: e.target.value as NavFilter })}>
              <option value="all">all samples</option>
              <option value="flagged">flagged for review</option>
              <option value="withoutMask">without a mask</option>
              <option value="withMask">with a mask</option>
            </select>
          </label>
          <ul className="mask-datasets">
            {datasets.data?.map((d) => (
              <li key={d.id}>
                <button type="button" className="secondary" onClick={() => void step('next', d.id, null)}>
                  {d.name} <span className="muted">{d.sampleCount.toLocaleString()} samples</span>
                </button>
              </li>
            ))}
          </ul>
          {error ? <p className="error">{error}</p> : null}
        </section>
      </div>
    );
  }

  return (
    <div className="masks-view">
      {error ? (
        <p className="error mask-error" role="alert">
          {error}
        </p>
      ) : null}
      {loaded && loaded.sample.id === sampleId ? (
        <MaskEditor
          key={`${loaded.sample.id}:${loaded.loadId}`}
          sample={loaded.sample}
          initial={loaded.initial}
          images={loaded.images}
          prefs={prefs}
          setPrefs={setPrefs}
          nav={nav}
          onNavigate={(d) => void step(d, loaded.sample.datasetId, loaded.sample.id)}
          onReload={() => setGeneration((g) => g + 1)}
        />
      ) : !error ? (
        <p className="muted">Loading sample {sampleId}…</p>
      ) : null}
    </div>
  );
}
