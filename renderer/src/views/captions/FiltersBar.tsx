// Filters over the current caption of each sample — status, source, model, prompt version, length,
// text — and bulk approval of exactly the filtered set, after the user confirmed its size.
import { useEffect, useState, type FormEvent } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { CaptionFilter, CaptionKind } from '../../../../shared/api/captions';
import { useApi } from '../../api/ApiProvider';

interface Props {
  datasetId: number | undefined;
  kind: CaptionKind;
  filter: CaptionFilter;
  onChange: (f: CaptionFilter) => void;
  onBulkDone: (approved: number) => void;
  /** Bumped to ask for the bulk confirmation from outside (the command palette). */
  bulkRequest?: number;
}

const num = (s: string): number | undefined => (s.trim() === '' || !/^\d+$/.test(s.trim()) ? undefined : Number(s));

export function FiltersBar({ datasetId, kind, filter, onChange, onBulkDone, bulkRequest = 0 }: Props) {
  const api = useApi();
  const [text, setText] = useState({ model: filter.model ?? '', templateVersion: filter.templateVersion?.toString() ?? '', minWords: filter.minWords?.toString() ?? '', maxWords: filter.maxWords?.toString() ?? '', search: filter.search ?? '' });
  const [confirm, setConfirm] = useState<number | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const set = <K extends keyof CaptionFilter>(key: K, value: CaptionFilter[K] | undefined) => {
    const next = { ...filter };
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
    onChange(next);
    setConfirm(null);
  };

  const applyText = (e?: FormEvent) => {
    e?.preventDefault();
    const next: CaptionFilter = { ...(filter.status ? { status: filter.status } : {}), ...(filter.source ? { source: filter.source } : {}) };
    if (text.model.trim()) next.model = text.model.trim();
    const tv = num(text.templateVersion);
    if (tv !== undefined && tv >= 1) next.templateVersion = tv;
    const min = num(text.minWords);
    if (min !== undefined) next.minWords = min;
    const max = num(text.maxWords);
    if (max !== undefined) next.maxWords = max;
    if (text.search.trim()) next.search = text.search.trim();
    onChange(next);
    setConfirm(null);
  };

  const askBulk = async () => {
    setMessage(null);
    try {
      const { count } = await api.call('captions.bulkCount', { ...(datasetId !== undefined ? { datasetId } : {}), kind, filter });
      setConfirm(count);
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
  };

  useEffect(() => {
    if (bulkRequest > 0) void askBulk();
    // Only a new request asks; askBulk is recreated every render.
  }, [bulkRequest]);

  const doBulk = async () => {
    if (confirm === null) return;
    try {
      const { approved } = await api.call('captions.bulkApprove', { ...(datasetId !== undefined ? { datasetId } : {}), kind, filter, expectedCount: confirm });
      setMessage({ ok: true, text: `Approved ${approved}.` });
      onBulkDone(approved);
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
    setConfirm(null);
  };

  return (
    <form className="caption-filters" onSubmit={applyText} aria-label="Caption filters">
      <label>
        Status
        <select value={filter.status ?? ''} onChange={(e) => set('status', (e.target.value || undefined) as CaptionFilter['status'])}>
          <option value="">any (pending first)</option>
          <option value="pending">pending</option>
          <option value="approved">approved</option>
          <option value="rejected">rejected</option>
        </select>
      </label>
      <label>
        Source
        <select value={filter.source ?? ''} onChange={(e) => set('source', (e.target.value || undefined) as CaptionFilter['source'])}>
          <option value="">any</option>
          <option value="vlm">VLM</option>
          <option value="human">human</option>
          <option value="template">template (scene graph)</option>
        </select>
      </label>
      <label>
        Model
        <input value={text.model} onChange={(e) => setText({ ...text, model: e.target.value })} onBlur={() => applyText()} size={14} />
      </label>
      <label>
        Prompt v
        <input value={text.templateVersion} onChange={(e) => setText({ ...text, templateVersion: e.target.value })} onBlur={() => applyText()} size={3} inputMode="numeric" />
      </label>
      <label>
        Words
        <input value={text.minWords} onChange={(e) => setText({ ...text, minWords: e.target.value })} onBlur={() => applyText()} size={4} placeholder="min" inputMode="numeric" />
        –
        <input value={text.maxWords} onChange={(e) => setText({ ...text, maxWords: e.target.value })} onBlur={() => applyText()} size={4} placeholder="max" inputMode="numeric" />
      </label>
      <label>
        Text
        <input type="search" value={text.search} onChange={(e) => setText({ ...text, search: e.target.value })} onBlur={() => applyText()} size={14} />
      </label>
      <button type="submit" className="secondary">
        Apply
      </button>
      <span className="spacer" />
      {confirm === null ? (
        <button type="button" className="secondary" onClick={() => void askBulk()}>
          Bulk approve…
        </button>
      ) : (
        <span className="bulk-confirm" role="alertdialog" aria-label="Confirm bulk approval">
          {confirm === 0 ? (
            <>Nothing to approve in this filter. </>
          ) : (
            <>
              Approve <strong>{confirm}</strong> {kind} captions of this filter?{' '}
              <button type="button" className="primary" onClick={() => void doBulk()}>
                Approve {confirm}
              </button>{' '}
            </>
          )}
          <button type="button" className="secondary" onClick={() => setConfirm(null)}>
            Cancel
          </button>
        </span>
      )}
      {message ? <span className={message.ok ? 'ok' : 'error'}>{message.text}</span> : null}
    </form>
  );
}
