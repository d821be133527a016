// How the caption screens write numbers, times and where a caption came from.
import type { CaptionDetail, CaptionQueueItem } from '../../../../shared/api/captions';

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return 'estimating time left';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s left`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min left`;
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  return perSecond >= 1 ? `${perSecond.toFixed(1)}/s` : `${(perSecond * 60).toFixed(1)}/min`;
}

/** The provenance label shown everywhere a caption appears; template captions say they are exact. */
export function sourceLabel(c: Pick<CaptionDetail | CaptionQueueItem, 'source' | 'model' | 'templateVersion'>): string {
  if (c.source === 'template') return 'Template · exact, from the scene graph';
  if (c.source === 'human') return 'Human';
  return `VLM · ${c.model ?? 'unknown model'}${c.templateVersion ? ` · prompt v${c.templateVersion}` : ''}`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
