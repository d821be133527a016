// The one pan/zoom transform every Compare pane shares (pure, so it is tested without a DOM).
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const IDENTITY: View = { scale: 1, x: 0, y: 0 };

/** Zoom by `factor` about the point (px, py) of the pane (pane pixels): that point stays put. */
export function zoomAbout(v: View, factor: number, px: number, py: number): View {
  const scale = Math.min(32, Math.max(1, v.scale * factor));
  const k = scale / v.scale;
  return { scale, x: px - (px - v.x) * k, y: py - (py - v.y) * k };
}

