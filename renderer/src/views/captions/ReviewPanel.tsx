// One sample at a time: the described image (with the mask box for region captions), the
// instruction, the caption in an editor with its live token budget, review actions with keyboard
// shortcuts, and every earlier version with a word diff.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CaptionDetail, CaptionKind, CaptionQueueItem, CaptionSample } from '../../../../shared/api/captions';
import { describeError } from '../../../../shared/api/wording';
import { useApi } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';
import { sourceLabel, when } from './format';
import { TokenBudget } from './TokenBudget';
import { wordDiff } from './wordDiff';
import { useWindowKeydown } from '../../components/useWindowKeydown';

interface Props {
  item: CaptionQueueItem;
  kind: CaptionKind;
  position: string;
  onReviewed: (updated: CaptionDetail) => void;
  onNext: () => void;
  onPrev: () => void;
}

export function ReviewPanel({ item, kind, position, onReviewed, onNext, onPrev }: Props) {
  const api = useApi();
  const [data, setData] = useState<{ sample: CaptionSample; versions: CaptionDetail[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [diffOf, setDiffOf] = useState(0);
  const editor = useRef<HTMLTextAreaElement>(null);

  const load = useCallback(() => {
    let live = true;
    api.call('captions.get', { sampleId: item.sampleId, kind }).then(
      (d) => {
        if (!live) return;
        setData(d);
        setDraft(d.versions[0]?.text ?? '');
        setDiffOf(0);
        setLoadError(null);
      },
      (err: unknown) => live && setLoadError(describeError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, item.sampleId, kind]);
  // Reloaded whenever the queue says the caption changed: a bulk approval, an edit elsewhere.
  useEffect(() => {
    setActionError(null);
    return load();
  }, [load, item.captionId, item.status, item.version]);

  // Until the newly selected sample has loaded, nothing is current: a key press must never review
  // the previous sample's caption.
  const current = data && data.sample.id === item.sampleId ? data.versions[0] : undefined;
  const dirty = current !== undefined && draft.trim() !== current.text;

  const act = useCallback(
    async (action: 'approve' | 'reject' | 'edit') => {
      if (!current || busy) return;
      setBusy(true);
      setActionError(null);
      try {
        const updated = await api.call('captions.review', { captionId: current.id, action, ...(action === 'edit' ? { text: draft } : {}) });
        onReviewed(updated);
      } catch (err) {
        setActionError(describeError(err));
      } finally {
        setBusy(false);
      }
    },
    [api, current, busy, draft, onReviewed],
  );

  useWindowKeydown((e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    const typing = !!t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.isContentEditable);
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void act(dirty ? 'edit' : 'approve');
      return;
    }
    if (typing) {
      if (e.key === 'Escape' && t === editor.current) {
        setDraft(current?.text ?? '');
        editor.current?.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k === 'a' && !dirty) void act('approve');
    else if (k === 'r') void act('reject');
    else if (k === 'j') onNext();
    else if (k === 'k') onPrev();
    else if (k === 'e') editor.current?.focus();
    else return;
    e.preventDefault();
  });

  if (loadError) return <p className="error">Could not load sample {item.externalId}: {loadError}</p>;
  if (!data || !current) return <p className="muted">Loading {item.externalId}…</p>;
  const { sample, versions } = data;
  const older = versions[diffOf + 1];
  const shown = versions[diffOf] ?? current;

  return (
    <article className="review" aria-label={`Caption of sample ${sample.externalId}`}>
      <header className="review-head">
        <div>
          <h2>
            {sample.externalId} <span className="muted">· {position}</span>
          </h2>
          <p className="muted">
            {sample.datasetName}
            {sample.editType ? ` · ${sample.editType}` : ''} · {kind === 'scene' ? 'scene description (BLIP, global loss)' : 'region description (CLIP, region loss)'}
          </p>
        </div>
        <div className="review-badges">
          <span className={`badge source-${current.source}`} data-testid="caption-source">
            {sourceLabel(current)}
          </span>
          <span className={`badge status-${current.status}`} data-testid="caption-status">
            v{current.version} · {current.status}
          </span>
        </div>
      </header>
      <div className="review-body">
        <div className="review-images">
          <SampleImage sample={sample} showBox={kind === 'region'} />
          {shown.imageSha256 && shown.imageSha256 !== sample.image.sha256 ? <SeenImage sha256={shown.imageSha256} version={shown.version} /> : null}
        </div>
        <div className="review-text">
          <p className="instruction">
            <span className="muted">Instruction</span> {sample.instruction}
          </p>
          <label htmlFor="caption-editor" className="muted">
            Caption <kbd>E</kbd> to edit, <kbd>Esc</kbd> to revert
          </label>
          <textarea
            id="caption-editor"
            ref={editor}
            className="caption-editor"
            value={draft}
            spellCheck
            rows={kind === 'scene' ? 10 : 3}
            onChange={(e) => setDraft(e.target.value)}
          />
          <div className="review-actions">
            <button type="button" className="primary" disabled={busy || !dirty || draft.trim() === ''} onClick={() => void act('edit')}>
              Save edit &amp; approve <kbd>Ctrl Enter</kbd>
            </button>
            <button type="button" className="secondary" disabled={busy || dirty} onClick={() => void act('approve')} title={dirty ? 'Save or revert the edit first' : ''}>
              Approve <kbd>A</kbd>
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void act('reject')}>
              Reject <kbd>R</kbd>
            </button>
            <span className="spacer" />
            <button type="button" className="secondary" onClick={onPrev}>
              Previous <kbd>K</kbd>
            </button>
            <button type="button" className="secondary" onClick={onNext}>
              Next <kbd>J</kbd>
            </button>
          </div>
          {actionError ? (
            <p className="error" role="alert">
              {actionError}
            </p>
          ) : null}
          {/* Below the actions, so they stay in view on a 768 px high window. */}
          <TokenBudget text={draft} primary={kind === 'region' ? 'clip' : 'blip'} />
          {sample.regionDescription || sample.sceneDescription ? (
            <p className="dataset-text">
              <span className="muted">Dataset's own {kind} text (training fallback):</span>{' '}
              {(kind === 'region' ? sample.regionDescription : sample.sceneDescription) ?? <em className="muted">none</em>}
            </p>
          ) : null}
        </div>
      </div>
      <section className="history" aria-label="Version history">
        <h3>Versions</h3>
        <ol className="version-list">
          {versions.map((v, i) => (
            <li key={v.id}>
              <button type="button" className={i === diffOf ? 'selected' : ''} aria-pressed={i === diffOf} onClick={() => setDiffOf(i)} data-testid={`version-${v.version}`}>
                v{v.version} · {v.status} · {sourceLabel(v)}
                {v.author ? ` · ${v.author}` : ''} · <span className="muted">{when(v.createdAt)}</span>
              </button>
            </li>
          ))}
        </ol>
        <div className="diff" data-testid="version-diff">
          {older ? (
            <>
              <p className="muted">
                v{older.version} → v{shown.version}
              </p>
              <p>
                {wordDiff(older.text, shown.text).map((p, i) =>
                  p.kind === 'same' ? <span key={i}>{p.text}</span> : p.kind === 'added' ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>,
                )}
              </p>
            </>
          ) : (
            <p>
              <span className="muted">v{shown.version}, the first version:</span> {shown.text}
            </p>
          )}
          <Provenance c={shown} />
        </div>
      </section>
    </article>
  );
}

function Provenance({ c }: { c: CaptionDetail }) {
  const bits = [
    c.model ? `model ${c.model}` : null,
    c.endpointModel && c.endpointModel !== c.model ? `endpoint reported ${c.endpointModel}` : null,
    c.templateVersion ? `prompt template v${c.templateVersion}` : null,
    c.promptSha256 ? `prompt ${c.promptSha256.slice(0, 12)}` : null,
    c.sampling ? `sampling ${JSON.stringify(c.sampling)}` : null,
    c.durationMs !== null ? `${Math.round(c.durationMs)} ms` : null,
  ].filter((b): b is string => b !== null);
  return bits.length ? <p className="provenance muted">{bits.join(' · ')}</p> : null;
}

/** The exact pixels the VLM was shown for this version (the mask-box crop, for region captions). */
function SeenImage({ sha256, version }: { sha256: string; version: number }) {
  return (
    <figure className="review-image seen-image">
      <BlobImage sha256={sha256} alt={`the image the VLM saw for v${version}`} data-testid="seen-image" />
      <figcaption className="muted">what the VLM saw for v{version}</figcaption>
    </figure>
  );
}

function SampleImage({ sample, showBox }: { sample: CaptionSample; showBox: boolean }) {
  const [real, setReal] = useState(false);
  const { image, maskBox } = sample;
  const dpr = window.devicePixelRatio || 1;
  const style = real ? { width: image.width / dpr, height: image.height / dpr } : { aspectRatio: `${image.width} / ${image.height}` };
  return (
    <figure className="review-image">
      <div className={`image-frame${real ? ' real' : ''}${image.width <= 256 ? ' small' : ''}`} style={style}>
        <BlobImage sha256={image.sha256} alt={`${image.which} image of ${sample.externalId}`} />
        {showBox && maskBox ? (
          <svg viewBox={`0 0 ${image.width} ${image.height}`} preserveAspectRatio="none" aria-hidden="true">
            <rect x={maskBox.x} y={maskBox.y} width={maskBox.width} height={maskBox.height} className="mask-box" data-testid="mask-box" />
          </svg>
        ) : null}
      </div>
      <figcaption className="muted">
        {image.which} · {image.width}×{image.height}
        {showBox ? (maskBox ? ` · box ${maskBox.width}×${maskBox.height} at ${maskBox.x},${maskBox.y}` : ' · no mask') : ''} ·{' '}
        <button type="button" className="link-button" onClick={() => setReal(!real)}>
          {real ? 'fit' : '1:1 pixels'}
        </button>
      </figcaption>
    </figure>
  );
}
