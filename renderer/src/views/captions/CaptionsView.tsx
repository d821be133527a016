// Caption review (issue 5): the queue of current captions (pending first), one sample at a time,
// filters and bulk approval, generation jobs and the prompt templates. Dataset and kind live in
// the URL so a review position can be bookmarked.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { CaptionDetail, CaptionFilter, CaptionKind, CaptionQueueItem } from '../../../../shared/api/captions';
import { describeError } from '../../../../shared/api/wording';
import { useApi, useQuery } from '../../api/ApiProvider';
import { useViewCommands } from '../../components/commands';
import { ViewHeader } from '../../components/ViewHeader';
import { FiltersBar } from './FiltersBar';
import { sourceLabel } from './format';
import { GeneratePanel } from './GeneratePanel';
import { ReviewPanel } from './ReviewPanel';
import { TemplatesPanel } from './TemplatesPanel';
import './captions.css';

const PAGE = 300;

interface Queue {
  total: number;
  counts: { pending: number; approved: number; rejected: number };
  items: CaptionQueueItem[];
}

export function CaptionsView() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const datasets = useQuery('datasets.list', {});
  const datasetParam = params.get('dataset');
  const datasetId = datasetParam && /^\d+$/.test(datasetParam) ? Number(datasetParam) : undefined;
  const kind: CaptionKind = params.get('kind') === 'region' ? 'region' : 'scene';
  const [filter, setFilter] = useState<CaptionFilter>(() => (params.get('status') === 'pending' ? { status: 'pending' } : {}));
  const [queue, setQueue] = useState<Queue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const [freshWrites, setFreshWrites] = useState(false);
  // Opens the Generate panel (never closes it, unlike a click on its summary).
  const openGenerate = () => {
    const panel = document.querySelector<HTMLDetailsElement>('.generate-panel');
    if (!panel) return;
    panel.open = true;
    panel.querySelector<HTMLElement>('select, input')?.focus();
  };
  // The command palette's "Approve all … in this filter" asks the filter bar to open its confirmation.
  const [bulkRequest, setBulkRequest] = useState(0);
  useViewCommands([
    { id: 'captions:bulk', label: `Approve all ${kind} captions in this filter…`, keywords: 'bulk approve visible', run: () => setBulkRequest((n) => n + 1) },
    { id: 'captions:generate', label: `Generate ${kind} descriptions…`, keywords: 'caption vlm template start', run: () => openGenerate() },
  ]);

  const shownSample = useRef<number | undefined>(undefined);
  const queueArgs = useMemo(() => ({ ...(datasetId !== undefined ? { datasetId } : {}), kind, filter }), [datasetId, kind, filter]);

  const reload = useCallback(() => {
    setFreshWrites(false);
    api.call('captions.queue', { ...queueArgs, offset: 0, limit: PAGE }).then(
      (q) => {
        setQueue(q);
        // The sample on screen stays selected while the reloaded queue holds it: a bulk approval
        // reorders a pending-first queue, and the same position would show another sample.
        const kept = q.items.findIndex((it) => it.sampleId === shownSample.current);
        setIndex((i) => (kept >= 0 ? kept : Math.min(i, Math.max(0, q.items.length - 1))));
        setError(null);
      },
      (err: unknown) => setError(describeError(err)),
    );
  }, [api, queueArgs]);
  useEffect(() => {
    setIndex(0);
    reload();
  }, [reload]);

  // Counts follow every write; the list itself only reloads when asked, so the reviewer's place holds.
  const refreshCounts = useCallback(() => {
    api.call('captions.queue', { ...queueArgs, offset: 0, limit: 1 }).then(
      (q) => setQueue((old) => (old ? { ...old, counts: q.counts } : old)),
      () => undefined,
    );
  }, [api, queueArgs]);
  useEffect(
    () =>
      api.on('captions.changed', (e) => {
        if (datasetId === undefined || e.datasetId === datasetId) {
          // Only a job's writes change what the list holds; a review (this reviewer's own, most
          // likely) is already in it.
          if (e.kind === kind && e.reason !== 'review') setFreshWrites(true);
          refreshCounts();
        }
      }),
    [api, datasetId, kind, refreshCounts],
  );

  const loadMore = useCallback(() => {
    if (!queue || queue.items.length >= queue.total) return;
    api.call('captions.queue', { ...queueArgs, offset: queue.items.length, limit: PAGE }).then(
      (q) => setQueue((old) => (old ? { ...old, items: [...old.items, ...q.items] } : q)),
      () => undefined,
    );
  }, [api, queue, queueArgs]);

  const items = queue?.items ?? [];
  const item = items[index];
  useEffect(() => {
    shownSample.current = item?.sampleId;
  }, [item?.sampleId]);
  const next = useCallback(() => {
    setIndex((i) => Math.min(i + 1, Math.max(0, items.length - 1)));
    if (index >= items.length - 5) loadMore();
  }, [items.length, index, loadMore]);
  const prev = useCallback(() => setIndex((i) => Math.max(0, i - 1)), []);

  const onReviewed = useCallback(
    (updated: CaptionDetail) => {
      setQueue((q) =>
        q
          ? {
              ...q,
              items: q.items.map((it) =>
                it.sampleId === updated.sampleId
                  ? { ...it, captionId: updated.id, version: updated.version, status: updated.status, source: updated.source, text: updated.text, model: updated.model, templateVersion: updated.templateVersion }
                  : it,
              ),
            }
          : q,
      );
      refreshCounts();
      next();
    },
    [refreshCounts, next],
  );

  const setParam = (key: string, value: string | null) => {
    const p = new URLSearchParams(params);
    if (value === null) p.delete(key);
    else p.set(key, value);
    setParams(p, { replace: true });
  };

  return (
    <section className="view captions-view" aria-labelledby="view-title">
      <ViewHeader
        title="Captions"
        summary="Review scene and region descriptions before training: only approved captions are trained on."
        actions={
          <div className="captions-scope">
            <label>
              Dataset{' '}
              <select value={datasetId ?? ''} onChange={(e) => setParam('dataset', e.target.value || null)} aria-label="Dataset">
                <option value="">all datasets</option>
                {datasets.data?.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name} ({d.sampleCount})
                  </option>
                ))}
              </select>
            </label>
            <div role="radiogroup" aria-label="Caption kind" className="kind-toggle">
              {(['scene', 'region'] as const).map((k) => (
                <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? 'selected' : ''} onClick={() => setParam('kind', k)}>
                  {k === 'scene' ? 'Scene (BLIP)' : 'Region (CLIP)'}
                </button>
              ))}
            </div>
          </div>
        }
      />
      {datasets.error ? <p className="error">Datasets unavailable: {describeError(datasets.error)}</p> : null}
      <div className="status-counts" data-testid="caption-counts">
        <span className="count pending">{queue?.counts.pending ?? '–'} pending</span>
        <span className="count approved">{queue?.counts.approved ?? '–'} approved</span>
        <span className="count rejected">{queue?.counts.rejected ?? '–'} rejected</span>
        <span className="muted">
          {queue ? `${queue.total} in this filter` : ''}
        </span>
        {freshWrites ? (
          <button type="button" className="link-button" onClick={reload}>
            New captions were written — reload the queue
          </button>
        ) : null}
        <span className="spacer" />
        <span className="muted shortcuts">
          <kbd>A</kbd> approve <kbd>R</kbd> reject <kbd>Ctrl Enter</kbd> save edit &amp; approve <kbd>J</kbd>/<kbd>K</kbd> next/previous <kbd>E</kbd> edit
        </span>
      </div>
      <GeneratePanel datasetId={datasetId} kind={kind} onChanged={reload} />
      <FiltersBar key={`${datasetId}-${kind}`} datasetId={datasetId} kind={kind} filter={filter} onChange={setFilter} onBulkDone={reload} bulkRequest={bulkRequest} />
      {error ? (
        <p className="error" role="alert">
          Could not load the queue: {error}
        </p>
      ) : null}
      <div className="captions-main">
        <nav className="queue-list" aria-label="Caption queue">
          {queue && items.length === 0 ? (
            <p className="muted">
              No captions in this filter.{' '}
              <button type="button" className="link-button" onClick={openGenerate}>
                Generate some
              </button>{' '}
              (the panel above), or change the filter.
            </p>
          ) : null}
          <ol>
            {items.map((it, i) => (
              <li key={it.sampleId}>
                <button type="button" className={i === index ? 'selected' : ''} aria-current={i === index ? 'true' : undefined} onClick={() => setIndex(i)} data-testid="queue-item">
                  <span className={`dot status-${it.status}`} aria-label={it.status} />
                  <span className="queue-id">{it.externalId}</span>
                  <span className="queue-meta muted">
                    v{it.version} · {it.words}w · {sourceLabel(it)}
                  </span>
                  <span className="queue-text">{it.text}</span>
                </button>
              </li>
            ))}
          </ol>
          {queue && items.length < queue.total ? (
            <button type="button" className="secondary" onClick={loadMore}>
              Load more ({queue.total - items.length} left)
            </button>
          ) : null}
        </nav>
        <div className="review-pane">
          {item ? (
            <ReviewPanel item={item} kind={kind} position={`${index + 1} of ${queue?.total ?? items.length}`} onReviewed={onReviewed} onNext={next} onPrev={prev} />
          ) : (
            <p className="muted">Nothing selected.</p>
          )}
        </div>
      </div>
      <TemplatesPanel kind={kind} />
    </section>
  );
}
