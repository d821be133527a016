// The editor for one sample: canvas (engine.ts + interaction.ts), tools, versions, drafts.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MaskEditorSample, MaskVersion } from '../../../../shared/api/masks';
import { clearMask, growMask, invertMask, rleFromBase64, rleToBase64, type Rect } from '../../../../shared/mask/index';
import { useApi } from '../../api/ApiProvider';
import { readDraft, writeDraft, dropDraft } from './drafts';
import { diffOverlay, MaskSurface } from './engine';
import { ToolController } from './interaction';
import { HelpOverlay, ImportExportPanel, VersionsPanel } from './Panels';
import { type MaskPrefs, type Tool } from './prefs';
import { useMaskShortcuts } from './shortcuts';
import { ToolSettings } from './ToolSettings';

export interface EditorProps {
  sample: MaskEditorSample;
  initial: Uint8Array | null;
  images: { source: ImageBitmap | null; target: ImageBitmap | null };
  prefs: MaskPrefs;
  setPrefs(patch: Partial<MaskPrefs>): void;
  onNavigate(direction: 'next' | 'previous'): void;
  nav: { position: number | null; total: number } | null;
  onReload(): void;
}

const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'eraser', label: 'Eraser', key: 'E' },
  { tool: 'polygon', label: 'Polygon', key: 'P' },
  { tool: 'rectangle', label: 'Rectangle', key: 'R' },
  { tool: 'fill', label: 'Fill', key: 'F' },
];

export function MaskEditor({ sample, initial, images, prefs, setPrefs, onNavigate, nav, onReload }: EditorProps) {
  const api = useApi();
  const wrapperRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const surface = useMemo(() => new MaskSurface(sample.width, sample.height, initial ? initial.slice() : undefined), [sample.id, sample.width, sample.height, initial]);
  const [controller, setController] = useState<ToolController | null>(null);
  const baseVersion = useRef<number | null>(sample.mask?.version ?? null);
  const savedHead = useRef(0);
  const [revision, setRevision] = useState(0);
  const [stats, setStats] = useState(() => surface.stats());
  const [showTarget, setShowTarget] = useState(false);
  const [help, setHelp] = useState(false);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'info'; text: string } | null>(null);
  const [versions, setVersions] = useState<MaskVersion[] | undefined>(undefined);
  const [versionsError, setVersionsError] = useState<string | null>(null);
  const [diff, setDiff] = useState<{ version: number; data: Uint8Array; added: number; removed: number } | null>(null);
  const [draftNotice, setDraftNotice] = useState<string | null>(null);
  const [flagged, setFlagged] = useState(sample.flagged);
  const draftTimer = useRef(0);
  const dirty = surface.history.head !== savedHead.current;

  const loadVersions = useCallback(() => {
    api.call('masks.versions', { sampleId: sample.id }).then(
      (v) => {
        setVersions(v);
        setVersionsError(null);
      },
      (err: unknown) => setVersionsError(err instanceof Error ? err.message : String(err)),
    );
  }, [api, sample.id]);
  useEffect(loadVersions, [loadVersions]);

  const flushDraft = useCallback((): boolean => {
    window.clearTimeout(draftTimer.current);
    draftTimer.current = 0;
    if (surface.history.head === savedHead.current) {
      dropDraft(sample.id);
      return true;
    }
    return writeDraft({ sampleId: sample.id, baseVersion: baseVersion.current, width: sample.width, height: sample.height, rle: rleToBase64(surface.mask.data), savedAt: new Date().toISOString() });
  }, [sample.id, sample.width, sample.height, surface]);

  // The controller tells us after each operation: stats, dirty flag, draft, diff.
  const committed = useCallback(() => {
    setStats(surface.stats());
    setRevision((r) => r + 1);
    window.clearTimeout(draftTimer.current);
    draftTimer.current = window.setTimeout(flushDraft, 800);
  }, [surface, flushDraft]);

  useLayoutEffect(() => {
    const wrapper = wrapperRef.current, canvas = canvasRef.current, overlay = overlayRef.current;
    if (!wrapper || !canvas || !overlay) return;
    surface.attach(canvas);
    const c = new ToolController(surface, wrapper, overlay, { prefs: () => prefsRef.current, committed });
    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      for (const el of [canvas, overlay]) {
        el.width = Math.max(1, Math.round(wrapper.clientWidth * dpr));
        el.height = Math.max(1, Math.round(wrapper.clientHeight * dpr));
      }
      surface.invalidateAll();
    };
    resize();
    c.fit();
    const ro = new ResizeObserver(resize);
    ro.observe(wrapper);
    setController(c);
    // Benchmarks and tests read the view and the latency probe here.
    (window as unknown as { __ricMaskEditor?: unknown }).__ricMaskEditor = {
      view: () => ({ ...surface.view }),
      latencies: () => ({ handler: [...surface.latencies.handler], event: [...surface.latencies.event] }),
      measure: (on: boolean) => {
        surface.measureLatency = on;
        surface.latencies.handler.length = 0;
        surface.latencies.event.length = 0;
      },
    };
    return () => {
      ro.disconnect();
      c.dispose();
      surface.detach();
      setController(null);
    };
  }, [surface, committed]);

  useEffect(() => {
    surface.setImages(showTarget ? (images.target ?? images.source) : images.source, showTarget ? images.source : images.target);
  }, [surface, images, showTarget]);
  useEffect(() => {
    surface.setLook({ colour: prefs.colour, opacity: prefs.opacity, onion: prefs.onion });
    controller?.drawOverlay();
  }, [surface, controller, prefs.colour, prefs.opacity, prefs.onion, prefs.showBox, prefs.tool, prefs.brushSize]);

  // A draft from an earlier visit: restore it when it started from the version we have.
  useEffect(() => {
    if (!controller) return;
    const d = readDraft(sample.id);
    if (!d || d.width !== sample.width || d.height !== sample.height) return;
    const current = sample.mask?.version ?? null;
    if (d.baseVersion !== current) {
      setDraftNotice(`Unsaved edits from ${new Date(d.savedAt).toLocaleString()} started from ${d.baseVersion === null ? 'no mask' : `v${d.baseVersion}`}; the mask is now ${current === null ? 'empty' : `v${current}`}.`);
      return;
    }
    try {
      const pixels = rleFromBase64(d.rle, sample.width * sample.height);
      controller.applyWhole('Restore draft', () => surface.mask.data.set(pixels));
      setMessage({ kind: 'info', text: `Restored unsaved edits from ${new Date(d.savedAt).toLocaleTimeString()}. Undo (Ctrl+Z) drops them.` });
    } catch {
      dropDraft(sample.id);
    }
  }, [controller, sample.id, sample.width, sample.height, sample.mask?.version, surface]);

  const useOldDraft = () => {
    const d = readDraft(sample.id);
    if (!d || !controller) return;
    controller.applyWhole('Restore draft', () => surface.mask.data.set(rleFromBase64(d.rle, sample.width * sample.height)));
    setDraftNotice(null);
  };

  // Edits are never lost on close: the draft is written now; if the browser refuses, ask.
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (surface.history.head === savedHead.current) return;
      if (!flushDraft()) e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      flushDraft();
    };
  }, [surface, flushDraft]);

  // The diff overlay follows the edits while it is shown.
  useEffect(() => {
    if (!diff) {
      surface.setDiff(null);
      return;
    }
    const d = diffOverlay(diff.data, surface.mask);
    surface.setDiff(d.canvas);
    if (d.added !== diff.added || d.removed !== diff.removed) setDiff({ ...diff, added: d.added, removed: d.removed });
  }, [diff, surface, revision]);

  const showDiff = async (version: number | null) => {
    if (version === null) return setDiff(null);
    try {
      const got = await api.call('masks.get', { sampleId: sample.id, version });
      setDiff({ version, data: rleFromBase64(got.rle, sample.width * sample.height), added: -1, removed: -1 });
    } catch (err) {
      setVersionsError(err instanceof Error ? err.message : String(err));
    }
  };

  const save = useCallback(async () => {
    if (saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const head = surface.history.head;
      const v = await api.call('masks.save', {
        sampleId: sample.id,
        width: sample.width,
        height: sample.height,
        rle: rleToBase64(surface.mask.data),
        baseVersion: baseVersion.current,
        ...(prefs.author.trim() ? { author: prefs.author.trim() } : {}),
      });
      baseVersion.current = v.version;
      savedHead.current = head;
      dropDraft(sample.id);
      setRevision((r) => r + 1);
      setMessage({ kind: 'ok', text: `Saved version ${v.version}: ${v.area.toLocaleString()} px${v.box ? `, box ${v.box.width}×${v.box.height}` : ''}.` });
      loadVersions();
    } catch (err) {
      setMessage({ kind: 'error', text: `Not saved: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setSaving(false);
    }
  }, [api, saving, surface, sample.id, sample.width, sample.height, prefs.author, loadVersions]);

  const restore = async (version: number) => {
    if (dirty && !window.confirm(`Discard the unsaved edits and restore version ${version}?`)) return;
    try {
      const v = await api.call('masks.restore', { sampleId: sample.id, version, ...(prefs.author.trim() ? { author: prefs.author.trim() } : {}) });
      const got = await api.call('masks.get', { sampleId: sample.id });
      const pixels = rleFromBase64(got.rle, sample.width * sample.height);
      controller?.applyWhole(`Restore v${version}`, () => surface.mask.data.set(pixels));
      baseVersion.current = v.version;
      savedHead.current = surface.history.head;
      dropDraft(sample.id);
      setRevision((r) => r + 1);
      setMessage({ kind: 'ok', text: `Restored version ${version} as version ${v.version}.` });
      loadVersions();
    } catch (err) {
      setMessage({ kind: 'error', text: `Not restored: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  /** After an import: take the stored current version, unless there are unsaved edits. */
  const refreshFromStore = useCallback(async () => {
    loadVersions();
    try {
      const fresh = await api.call('masks.sample', { sampleId: sample.id });
      const v = fresh.mask?.version ?? null;
      if (v === baseVersion.current || v === null) return;
      if (surface.history.head !== savedHead.current) {
        setMessage({ kind: 'info', text: `Version ${v} was stored meanwhile; your unsaved edits started from ${baseVersion.current === null ? 'no mask' : `v${baseVersion.current}`} (saving them will report a conflict).` });
        return;
      }
      const got = await api.call('masks.get', { sampleId: sample.id });
      const pixels = rleFromBase64(got.rle, sample.width * sample.height);
      controller?.applyWhole(`Load v${v}`, () => surface.mask.data.set(pixels));
      baseVersion.current = v;
      savedHead.current = surface.history.head;
      setRevision((r) => r + 1);
    } catch (err) {
      setMessage({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  }, [api, controller, loadVersions, sample.id, sample.width, sample.height, surface]);

  const whole = useCallback((label: string, op: () => Rect | void) => controller?.applyWhole(label, () => void op()), [controller]);

  const navigate = useCallback(
    (direction: 'next' | 'previous') => {
      if (!flushDraft() && !window.confirm('Your unsaved edits could not be kept as a draft (storage full). Leave this sample and lose them?')) return;
      onNavigate(direction);
    },
    [flushDraft, onNavigate],
  );

  useMaskShortcuts(controller, { help, prefs, setPrefs, save, whole, surface, navigate, setShowTarget, setHelp, stage: wrapperRef });

  const h = surface.history;
  const boxLabel = stats.box ? `${stats.box.width}×${stats.box.height} at (${stats.box.x}, ${stats.box.y})` : 'none';
  const warning =
    stats.area === 0
      ? 'Empty mask: the region loss has no box to crop (Eq. 6).'
      : stats.fraction >= 0.98
        ? `The mask covers ${(stats.fraction * 100).toFixed(1)}% of the image — is its polarity inverted? (I inverts)`
        : null;

  return (
    <div className="mask-editor" data-testid="mask-editor" data-sample-id={sample.id}>
      <div className="mask-toolbar" role="toolbar" aria-label="Mask tools">
        <h1 className="mask-title" tabIndex={-1} data-view-title>
          Masks
        </h1>
        {TOOLS.map((t) => (
          <button key={t.tool} type="button" className={`mask-tool${prefs.tool === t.tool ? ' active' : ''}`} aria-pressed={prefs.tool === t.tool} title={`${t.label} (${t.key})`} onClick={() => setPrefs({ tool: t.tool })}>
            {t.label} <kbd>{t.key}</kbd>
          </button>
        ))}
        <span className="mask-sep" />
        <button type="button" className="mask-tool" onClick={() => controller?.undo()} disabled={!h.canUndo} title={h.undoLabel ? `Undo ${h.undoLabel} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}>
          Undo
        </button>
        <button type="button" className="mask-tool" onClick={() => controller?.redo()} disabled={!h.canRedo} title={h.redoLabel ? `Redo ${h.redoLabel} (Shift+Ctrl+Z)` : 'Redo (Shift+Ctrl+Z)'}>
          Redo
        </button>
        <button type="button" className="mask-tool" onClick={() => whole('Invert', () => invertMask(surface.mask))} title="Invert (I)">
          Invert
        </button>
        <button type="button" className="mask-tool" onClick={() => whole('Clear', () => clearMask(surface.mask))} title="Clear (Delete)">
          Clear
        </button>
        <span className="mask-sep" />
        <button type="button" className="mask-tool" aria-pressed={showTarget} onClick={() => setShowTarget((s) => !s)} title="Swap source / target (X)" disabled={!images.target}>
          {showTarget ? 'Target' : 'Source'}
        </button>
        <button type="button" className="mask-tool" onClick={() => controller?.fit()} title="Fit (0)">
          Fit
        </button>
        <button type="button" className="mask-tool" onClick={() => controller?.fit(1 / (window.devicePixelRatio || 1))} title="1:1 (1)">
          1:1
        </button>
        <button type="button" className="mask-tool" onClick={() => setHelp(true)} title="Shortcuts (?)">
          ?
        </button>
        <span className="mask-spacer" />
        <span className={`mask-dirty${dirty ? ' on' : ''}`} data-testid="mask-dirty">
          {dirty ? 'Unsaved edits' : 'Saved'}
        </span>
        <button type="button" className="primary" onClick={() => void save()} disabled={saving} data-testid="mask-save" title="Save as a new version (Ctrl+S)">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
      <div className="mask-body">
        <div
          ref={wrapperRef}
          className={`mask-stage tool-${prefs.tool}`}
          tabIndex={0}
          aria-label={`Mask of sample ${sample.externalId}, ${sample.width}×${sample.height}`}
          data-testid="mask-stage"
          data-area={stats.area}
          data-box={stats.box ? `${stats.box.x},${stats.box.y},${stats.box.width},${stats.box.height}` : ''}
          data-history={h.length}
        >
          <canvas ref={canvasRef} className="mask-canvas" />
          <canvas ref={overlayRef} className="mask-overlay" />
        </div>
        <aside className="mask-side" aria-label="Mask details">
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
              <select value={prefs.filter} aria-label="Step through" onChange={(e) => setPrefs({ filter: e.target.value as MaskPrefs['filter'] })}>
                <option value="all">all samples</option>
                <option value="flagged">flagged for review</option>
                <option value="withoutMask">without a mask</option>
                <option value="withMask">with a mask</option>
              </select>
            </div>
            <label className="mask-check">
              <input
                type="checkbox"
                checked={flagged}
                onChange={(e) => {
                  const next = e.target.checked;
                  setFlagged(next);
                  api.call('samples.setFlag', { id: sample.id, flagged: next }).catch((err: unknown) => {
                    setFlagged(!next);
                    setMessage({ kind: 'error', text: `Flag not changed: ${err instanceof Error ? err.message : String(err)}` });
                  });
                }}
              />{' '}
              Flagged for review
            </label>
            <p data-testid="mask-stats">
              Area {stats.area.toLocaleString()} px ({(stats.fraction * 100).toFixed(2)}%) · box {boxLabel}
            </p>
            {warning ? (
              <p className="mask-warning" role="alert" data-testid="mask-warning">
                {warning}
              </p>
            ) : null}
            {draftNotice ? (
              <p className="mask-warning">
                {draftNotice}{' '}
                <button type="button" className="link-button" onClick={useOldDraft}>
                  Use the draft
                </button>{' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    dropDraft(sample.id);
                    setDraftNotice(null);
                  }}
                >
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
          <ToolSettings prefs={prefs} setPrefs={setPrefs} showTarget={showTarget} hasTarget={images.target !== null} onGrow={(n) => whole(n > 0 ? `Grow ${n}` : `Shrink ${-n}`, () => growMask(surface.mask, n))} />
          <VersionsPanel versions={versions} error={versionsError} diffOf={diff?.version ?? null} diffCounts={diff && diff.added >= 0 ? diff : null} onDiff={(v) => void showDiff(v)} onRestore={(v) => void restore(v)} />
          <ImportExportPanel datasetId={sample.datasetId} onImported={() => void refreshFromStore()} />
        </aside>
      </div>
      {help ? <HelpOverlay onClose={() => setHelp(false)} /> : null}
    </div>
  );
}
