// Brush, look and grow/shrink settings of the mask editor (persisted through prefs.ts).
import type { MaskPrefs } from './prefs';

export function ToolSettings(props: { prefs: MaskPrefs; autoBrush: boolean; setPrefs(patch: Partial<MaskPrefs>): void; showTarget: boolean; hasTarget: boolean; onGrow(n: number): void }) {
  const { prefs, setPrefs, showTarget, hasTarget, onGrow } = props;
  return (
  <section className="mask-panel" aria-label="Tool settings">
    <label className="mask-field">
      <span>
        Brush {prefs.brushSize} px{' '}
        {props.autoBrush ? (
          <span className="muted">(fits the image)</span>
        ) : (
          <button type="button" className="link-button" onClick={() => setPrefs({ brushSize: 0 })} title="A sixteenth of the image's shorter side">
            fit to image
          </button>
        )}
      </span>
      <input type="range" min={1} max={512} value={Math.min(512, prefs.brushSize)} aria-label="Brush size" onChange={(e) => setPrefs({ brushSize: Number(e.target.value) })} />
    </label>
    <label className="mask-field">
      <span>Hardness {Math.round(prefs.hardness * 100)}%</span>
      <input type="range" min={0} max={1} step={0.05} value={prefs.hardness} aria-label="Hardness" onChange={(e) => setPrefs({ hardness: Number(e.target.value) })} />
    </label>
    <label className="mask-check">
      <input type="checkbox" checked={prefs.pressure} onChange={(e) => setPrefs({ pressure: e.target.checked })} /> Pen pressure sets brush size
    </label>
    <div className="mask-row">
      <label className="mask-field">
        <span>Mask colour</span>
        <input type="color" value={prefs.colour} aria-label="Mask colour" onChange={(e) => setPrefs({ colour: e.target.value })} />
      </label>
      <label className="mask-field">
        <span>Opacity {Math.round(prefs.opacity * 100)}%</span>
        <input type="range" min={0} max={1} step={0.05} value={prefs.opacity} aria-label="Mask opacity" onChange={(e) => setPrefs({ opacity: Number(e.target.value) })} />
      </label>
    </div>
    <label className="mask-field">
      <span>Onion skin ({showTarget ? 'source' : 'target'}) {Math.round(prefs.onion * 100)}%</span>
      <input type="range" min={0} max={1} step={0.05} value={prefs.onion} aria-label="Onion skin" disabled={!hasTarget} onChange={(e) => setPrefs({ onion: Number(e.target.value) })} />
    </label>
    <label className="mask-check">
      <input type="checkbox" checked={prefs.showBox} onChange={(e) => setPrefs({ showBox: e.target.checked })} /> Show tight box (Eq. 6)
    </label>
    <div className="mask-row">
      <label className="mask-field">
        <span>N px</span>
        <input type="number" min={1} max={512} value={prefs.growBy} aria-label="Grow or shrink by" onChange={(e) => setPrefs({ growBy: Math.max(1, Math.min(512, Math.round(Number(e.target.value) || 1))) })} />
      </label>
      <button type="button" className="secondary" onClick={() => onGrow(prefs.growBy)} title="Grow (G)">
        Grow
      </button>
      <button type="button" className="secondary" onClick={() => onGrow(-prefs.growBy)} title="Shrink (Shift+G)">
        Shrink
      </button>
    </div>
    <label className="mask-field">
      <span>Author of saved versions</span>
      <input value={prefs.author} placeholder="(your user name on the engine machine)" aria-label="Author" onChange={(e) => setPrefs({ author: e.target.value })} />
    </label>
  </section>
  );
}
