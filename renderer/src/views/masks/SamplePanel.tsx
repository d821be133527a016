// The sample side of the editor: which sample, stepping through the dataset (with a filter), the
// review flag, the mask's area and tight box (Eq. 6) with its warnings, a waiting draft, messages.
import { useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { MaskEditorSample } from '../../../../shared/api/masks';
import { useApi } from '../../api/ApiProvider';
import type { MaskStatsNow } from './engine';
import type { MaskDraftControl } from './useMaskDraft';
import type { MaskPrefs } from './prefs';

export type EditorMessage = { kind: 'ok' | 'error' | 'info'; text: string } | null;

export interface SamplePanelProps {
  sample: MaskEditorSample;
  nav: { position: number | null; total: number } | null;
  navigate(direction: 'next' | 'previous'): void;
  filter: MaskPrefs['filter'];
  setFilter(filter: MaskPrefs['filter']): void;
  stats: MaskStatsNow;
  draft: MaskDraftControl;
  message: EditorMessage;
  setMessage(m: EditorMessage): void;
  onReload(): void;
}

function warningOf(stats: MaskStatsNow): string | null {
  if (stats.area === 0) return 'Empty mask: the region loss has no box to crop (Eq. 6).';
  if (stats.fraction >= 0.98) return `The mask covers ${(stats.fraction * 100).toFixed(1)}% of the image — is its polarity inverted? (I inverts)`;
  return null;
}

export function SamplePanel({ sample, nav, navigate, filter, setFilter, stats, draft, message, setMessage, onReload }: SamplePanelProps) {
  const api = useApi();
  const [flagged, setFlagged] = useState(sample.flagged);
  const boxLabel = stats.box ? `${stats.box.width}×${stats.box.height} at (${stats.box.x}, ${stats.box.y})` : 'none';
  const warning = warningOf(stats);
  const flag = (next: boolean) => {
    setFlagged(next);
    api.call('samples.setFlag', { id: sample.id, flagged: next }).catch((err: unknown) => {
      setFlagged(!next);
      setMessage({ kind: 'error', text: `Flag not changed: ${describeError(err)}` });
    });
  };
  return (
    <section className="mask-panel">
      <h2>
        {sample.externalId} <span className="muted">{sample.width}×{sample.height}</span>
      </h2>
      <p className="muted mask-instruction">{sample.instruction}</p>
      <div className="mask-row">
        <button type="button" className="secondary" onClick={() => navigate('previous')} title="Previous sample (Shift+N)">
          ◀ Prev
        </button>
        <span className="muted" data-testid="mask-nav-pos">
          {nav && nav.position !== null ? `${nav.position} / ${nav.total}` : nav ? `– / ${nav.total}` : ''}
        </span>
        <button type="button" className="secondary" onClick={() => navigate('next')} title="Next sample (N)">
          Next ▶
        </button>
        <select value={filter} aria-label="Step through" onChange={(e) => setFilter(e.target.value as MaskPrefs['filter'])}>
          <option value="all">all samples</option>
          <option value="flagged">flagged for review</option>
          <option value="withoutMask">without a mask</option>
          <option value="withMask">with a mask</option>
        </select>
      </div>
      <label className="mask-check">
        <input type="checkbox" checked={flagged} onChange={(e) => flag(e.target.checked)} /> Flagged for review
      </label>
      <p data-testid="mask-stats">
        Area {stats.area.toLocaleString()} px ({(stats.fraction * 100).toFixed(2)}%) · box {boxLabel}
      </p>
      {warning ? (
        <p className="mask-warning" role="alert" data-testid="mask-warning">
          {warning}
        </p>
      ) : null}
      {draft.notice ? (
        <p className="mask-warning">
          {draft.notice}{' '}
          <button type="button" className="link-button" onClick={draft.restoreOld}>
            Use the draft
          </button>{' '}
          <button type="button" className="link-button" onClick={draft.discard}>
            Discard it
          </button>
        </p>
      ) : null}
      {message ? (
        <p className={message.kind === 'error' ? 'error' : message.kind === 'ok' ? 'ok' : 'muted'} role="status" data-testid="mask-message">
          {message.text}
          {message.kind === 'error' && /conflict|reload/i.test(message.text) ? (
            <>
              {' '}
              <button type="button" className="link-button" onClick={onReload}>
                Reload
              </button>
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}
