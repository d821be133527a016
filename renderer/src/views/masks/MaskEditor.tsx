// The editor for one sample: the canvas (useMaskCanvas: engine.ts + interaction.ts), the toolbar,
// the sample panel, tool settings, versions (save, restore, diff) and drafts (useMaskDraft).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../../../../shared/api/wording';
import type { MaskEditorSample, MaskVersion } from '../../../../shared/api/masks';
import { growMask, rleFromBase64, rleToBase64, type Rect } from '../../../../shared/mask/index';
import { useApi } from '../../api/ApiProvider';
import { dropDraft } from './drafts';
import { diffOverlay } from './engine';
import { MaskToolbar } from './MaskToolbar';
import { HelpOverlay, ImportExportPanel, VersionsPanel } from './Panels';
import { withBrushFor, type MaskPrefs } from './prefs';
import { SamplePanel, type EditorMessage } from './SamplePanel';
import { useMaskShortcuts } from './shortcuts';
import { ToolSettings } from './ToolSettings';
import { useMaskCanvas } from './useMaskCanvas';
import { useMaskDraft } from './useMaskDraft';

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

type Diff = { version: number; data: Uint8Array; added: number; removed: number };

const messageOf = (err: unknown) => (describeError(err));

export function MaskEditor({ sample, initial, images, prefs: stored, setPrefs, onNavigate, nav, onReload }: EditorProps) {
  const api = useApi();
  // Until the user picks a brush size, the brush is sized to this image (prefs.ts autoBrushSize).
  const prefs = useMemo(() => withBrushFor(stored, sample.width, sample.height), [stored, sample.width, sample.height]);
  const baseVersion = useRef<number | null>(sample.mask?.version ?? null);
  const savedHead = useRef(0);
  const [revision, setRevision] = useState(0);
  const [showTarget, setShowTarget] = useState(false);
  const [help, setHelp] = useState(false);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<EditorMessage>(null);
  const [versions, setVersions] = useState<MaskVersion[] | undefined>(undefined);
  const [versionsError, setVersionsError] = useState<string | null>(null);
  const [diff, setDiff] = useState<Diff | null>(null);

  // After each operation of the tools: stats, the dirty flag and the diff follow; a draft is due.
  const afterEdit = useRef(() => undefined as void);
  const { surface, controller, stageRef, canvasRef, overlayRef, zoomRef } = useMaskCanvas(sample, initial, prefs, () => afterEdit.current());
  const [stats, setStats] = useState(() => surface.stats());
  const draft = useMaskDraft(sample, surface, controller, { baseVersion, savedHead }, (text) => setMessage({ kind: 'info', text }));
  afterEdit.current = () => {
    setStats(surface.stats());
    setRevision((r) => r + 1);
    draft.schedule();
  };
  const dirty = surface.history.head !== savedHead.current;

  const loadVersions = useCallback(() => {
    api.call('masks.versions', { sampleId: sample.id }).then(
      (v) => {
        setVersions(v);
        setVersionsError(null);
      },
      (err: unknown) => setVersionsError(messageOf(err)),
    );
  }, [api, sample.id]);
  useEffect(loadVersions, [loadVersions]);

  useEffect(() => {
    surface.setImages(showTarget ? (images.target ?? images.source) : images.source, showTarget ? images.source : images.target);
  }, [surface, images, showTarget]);
  useEffect(() => {
    surface.setLook({ colour: prefs.colour, opacity: prefs.opacity, onion: prefs.onion });
    controller?.drawOverlay();
  }, [surface, controller, prefs.colour, prefs.opacity, prefs.onion, prefs.showBox, prefs.tool, prefs.brushSize]);

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
      setVersionsError(messageOf(err));
    }
  };

  /** The stored pixels become the editor's, as one history step; they are what is saved now. */
  const takeStored = async (label: string, version: number) => {
    const got = await api.call('masks.get', { sampleId: sample.id });
    const pixels = rleFromBase64(got.rle, sample.width * sample.height);
    controller?.applyWhole(label, () => surface.mask.data.set(pixels));
    baseVersion.current = version;
    savedHead.current = surface.history.head;
    setRevision((r) => r + 1);
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
      setMessage({ kind: 'error', text: `Not saved: ${messageOf(err)}` });
    } finally {
      setSaving(false);
    }
  }, [api, saving, surface, sample.id, sample.width, sample.height, prefs.author, loadVersions]);

  const restore = async (version: number) => {
    if (dirty && !window.confirm(`Discard the unsaved edits and restore version ${version}?`)) return;
    try {
      const v = await api.call('masks.restore', { sampleId: sample.id, version, ...(prefs.author.trim() ? { author: prefs.author.trim() } : {}) });
      await takeStored(`Restore v${version}`, v.version);
      dropDraft(sample.id);
      setMessage({ kind: 'ok', text: `Restored version ${version} as version ${v.version}.` });
      loadVersions();
    } catch (err) {
      setMessage({ kind: 'error', text: `Not restored: ${messageOf(err)}` });
    }
  };

  /** After an import: take the stored current version, unless there are unsaved edits. */
  const refreshFromStore = async () => {
    loadVersions();
    try {
      const fresh = await api.call('masks.sample', { sampleId: sample.id });
      const v = fresh.mask?.version ?? null;
      if (v === baseVersion.current || v === null) return;
      if (surface.history.head !== savedHead.current) {
        setMessage({ kind: 'info', text: `Version ${v} was stored meanwhile; your unsaved edits started from ${baseVersion.current === null ? 'no mask' : `v${baseVersion.current}`} (saving them will report a conflict).` });
        return;
      }
      await takeStored(`Load v${v}`, v);
    } catch (err) {
      setMessage({ kind: 'error', text: messageOf(err) });
    }
  };

  const whole = useCallback((label: string, op: () => Rect | void) => controller?.applyWhole(label, () => void op()), [controller]);

  const navigate = useCallback(
    (direction: 'next' | 'previous') => {
      if (!draft.flush() && !window.confirm('Your unsaved edits could not be kept as a draft (storage full). Leave this sample and lose them?')) return;
      onNavigate(direction);
    },
    [draft.flush, onNavigate],
  );

  useMaskShortcuts(controller, { help, prefs, setPrefs, save, whole, surface, navigate, setShowTarget, setHelp, stage: stageRef });

  const h = surface.history;
  return (
    <div className="mask-editor" data-testid="mask-editor" data-sample-id={sample.id}>
      <MaskToolbar
        prefs={prefs}
        setPrefs={setPrefs}
        controller={controller}
        history={h}
        surface={surface}
        whole={whole}
        showTarget={showTarget}
        toggleTarget={() => setShowTarget((s) => !s)}
        hasTarget={images.target !== null}
        showHelp={() => setHelp(true)}
        zoomRef={zoomRef}
        dirty={dirty}
        saving={saving}
        onSave={() => void save()}
      />
      <div className="mask-body">
        <div
          ref={stageRef}
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
          <SamplePanel
            sample={sample}
            nav={nav}
            navigate={navigate}
            filter={prefs.filter}
            setFilter={(filter) => setPrefs({ filter })}
            stats={stats}
            draft={draft}
            message={message}
            setMessage={setMessage}
            onReload={onReload}
          />
          <ToolSettings prefs={prefs} autoBrush={stored.brushSize === 0} setPrefs={setPrefs} showTarget={showTarget} hasTarget={images.target !== null} onGrow={(n) => whole(n > 0 ? `Grow ${n}` : `Shrink ${-n}`, () => growMask(surface.mask, n))} />
          <VersionsPanel versions={versions} error={versionsError} diffOf={diff?.version ?? null} diffCounts={diff && diff.added >= 0 ? diff : null} onDiff={(v) => void showDiff(v)} onRestore={(v) => void restore(v)} />
          <ImportExportPanel datasetId={sample.datasetId} onImported={() => void refreshFromStore()} />
        </aside>
      </div>
      {help ? <HelpOverlay onClose={() => setHelp(false)} /> : null}
    </div>
  );
}
