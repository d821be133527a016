// Source and target, side by side or under a slider (drag to reveal the target), with the mask as
// a tinted overlay and the tight box around it — the crop the region loss sees (DESIGN.md §1 step 6,
// Eq. 6). Fit-to-pane or 1:1 real device pixels and above (pixelated, so pixels stay pixels).
import { useLayoutEffect, useRef, useState, type CSSProperties, type PointerEvent, type ReactNode, type UIEvent } from 'react';
import type { Box, ImageRef, MaskSummary } from '../../../../shared/api/index';
import { useBlobUrl } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';

export type Zoom = 'fit' | 1 | 2 | 4 | 8;
export const zoomLevels: Zoom[] = ['fit', 1, 2, 4, 8];

export interface Overlay {
  showMask: boolean;
  maskOpacity: number;
  showBox: boolean;
}

interface Props {
  source: ImageRef;
  target: ImageRef | null;
  mask: MaskSummary | null;
  mode: 'side' | 'slider';
  zoom: Zoom;
  overlay: Overlay;
  /** What the second image is ("Target"; the Edit view: "Edited"). */
  targetLabel?: string;
}

/** CSS pixels per image pixel: fit the pane, or `zoom` device pixels per image pixel. */
export function displayScale(zoom: Zoom, image: { width: number; height: number }, pane: { width: number; height: number }, dpr: number): number {
  if (zoom === 'fit') {
    if (pane.width <= 0 || pane.height <= 0) return 1;
    return Math.min(pane.width / image.width, pane.height / image.height);
  }
  return zoom / dpr;
}

export function ImageStage({ source, target, mask, mode, zoom, overlay, targetLabel = 'Target' }: Props) {
  const stage = useRef<HTMLDivElement>(null);
  const [pane, setPane] = useState({ width: 0, height: 0 });
  const [reveal, setReveal] = useState(50);
  const panes = useRef<(HTMLDivElement | null)[]>([]);

  // Fit is measured on the first scroll pane itself (its caption and controls take room too).
  useLayoutEffect(() => {
    const el = panes.current[0];
    if (!el) return;
    const measure = () => setPane({ width: el.clientWidth - 2, height: el.clientHeight - 2 });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [mode, target]);

  const dpr = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  const scale = displayScale(zoom, source, pane, dpr);
  const pixelated = scale * dpr > 1.01;

  // Zoomed panes scroll together so the same pixels stay side by side.
  const syncScroll = (from: number) => (e: UIEvent<HTMLDivElement>) => {
    const { scrollLeft, scrollTop } = e.currentTarget;
    panes.current.forEach((p, i) => {
      if (p && i !== from && (p.scrollLeft !== scrollLeft || p.scrollTop !== scrollTop)) {
        p.scrollLeft = scrollLeft;
        p.scrollTop = scrollTop;
      }
    });
  };

  const layerProps = { mask, overlay, scale, pixelated };
  return (
    <div ref={stage} className={`image-stage mode-${mode}`} data-zoom={String(zoom)} data-testid="image-stage">
      {mode === 'side' || !target ? (
        <>
          <Pane label="Source" ref={(el) => void (panes.current[0] = el)} onScroll={syncScroll(0)}>
            <Figure image={source} {...layerProps} testId="figure-source" />
          </Pane>
          {target ? (
            <Pane label={targetLabel} ref={(el) => void (panes.current[1] = el)} onScroll={syncScroll(1)}>
              <Figure image={target} {...layerProps} testId="figure-target" />
            </Pane>
          ) : null}
        </>
      ) : (
        <Pane
          label={`Source (left of the line) | ${targetLabel.toLowerCase()} (right)`}
          ref={(el) => void (panes.current[0] = el)}
          footer={
            <label className="slider-control">
              <span>Reveal</span>
              <input type="range" min={0} max={100} step={1} value={reveal} onChange={(e) => setReveal(Number(e.target.value))} aria-label={`Slider position: left of it the source, right of it the ${targetLabel.toLowerCase()}`} />
            </label>
          }
        >
          <SliderFigure source={source} target={target} reveal={reveal} onReveal={setReveal} {...layerProps} />
        </Pane>
      )}
    </div>
  );
}

function Pane(props: { label: string; children: ReactNode; footer?: ReactNode; onScroll?(e: UIEvent<HTMLDivElement>): void; ref(el: HTMLDivElement | null): void }) {
  return (
    <figure className="pane">
      <figcaption>{props.label}</figcaption>
      <div className="pane-scroll" ref={props.ref} onScroll={props.onScroll} tabIndex={0} aria-label={`${props.label} image`}>
        {props.children}
      </div>
      {props.footer}
    </figure>
  );
}

interface LayerProps {
  mask: MaskSummary | null;
  overlay: Overlay;
  scale: number;
  pixelated: boolean;
}

function figureStyle(image: { width: number; height: number }, scale: number, pixelated: boolean): CSSProperties {
  return { width: Math.round(image.width * scale), height: Math.round(image.height * scale), imageRendering: pixelated ? 'pixelated' : 'auto' };
}

function Figure({ image, testId, ...layers }: LayerProps & { image: ImageRef; testId: string }) {
  return (
    <div className="figure" style={figureStyle(image, layers.scale, layers.pixelated)} data-testid={testId}>
      <BlobImage sha256={image.sha256} alt="" draggable={false} style={{ imageRendering: layers.pixelated ? 'pixelated' : 'auto' }} />
      <MaskLayers {...layers} />
    </div>
  );
}

function SliderFigure({ source, target, reveal, onReveal, ...layers }: LayerProps & { source: ImageRef; target: ImageRef; reveal: number; onReveal(v: number): void }) {
  const dragging = useRef(false);
  const move = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    onReveal(Math.max(0, Math.min(100, ((e.clientX - r.left) / r.width) * 100)));
  };
  const rendering = layers.pixelated ? 'pixelated' : 'auto';
  return (
    <div
      className="figure slider-figure"
      style={figureStyle(source, layers.scale, layers.pixelated)}
      data-testid="figure-slider"
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        move(e);
      }}
      onPointerMove={(e) => dragging.current && move(e)}
      onPointerUp={() => (dragging.current = false)}
      onPointerCancel={() => (dragging.current = false)}
    >
      <BlobImage sha256={source.sha256} alt="source" draggable={false} style={{ imageRendering: rendering }} />
      <BlobImage className="slider-target" sha256={target.sha256} alt="target" draggable={false} style={{ imageRendering: rendering, clipPath: `inset(0 0 0 ${reveal}%)` }} />
      <div className="slider-handle" style={{ left: `${reveal}%` }} aria-hidden />
      <MaskLayers {...layers} />
    </div>
  );
}

function MaskLayers({ mask, overlay }: LayerProps) {
  const blobUrl = useBlobUrl();
  if (!mask) return null;
  const url = `url("${blobUrl(mask.pngSha256)}")`;
  return (
    <>
      {overlay.showMask ? (
        <div
          className="mask-tint"
          data-testid="mask-overlay"
          // The stored mask is white where the edit is: luminance masking tints exactly those pixels.
          style={{ opacity: overlay.maskOpacity, maskImage: url, WebkitMaskImage: url, maskMode: 'luminance' } as CSSProperties}
        />
      ) : null}
      {overlay.showBox && mask.box ? <RegionBox box={mask.box} width={mask.width} height={mask.height} /> : null}
    </>
  );
}

/** The tight box around the mask (Eq. 6), in mask pixels, scaled with the image. */
function RegionBox({ box, width, height }: { box: Box; width: number; height: number }) {
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  return (
    <div
      className="region-box"
      data-testid="region-box"
      style={{ left: pct(box.x, width), top: pct(box.y, height), width: pct(box.width, width), height: pct(box.height, height) }}
    >
      <span className="region-box-label">
        {box.width}×{box.height}
      </span>
    </div>
  );
}
