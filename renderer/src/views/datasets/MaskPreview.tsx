// Live preview of how the first masks will be stored with the chosen polarity (white = edit region
// after import): a wrong polarity shows at once as an edit region covering most of the image.
import { useEffect, useState } from 'react';
import type { ApiReturn, MaskPolarity } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi } from '../../api/ApiProvider';
import { formatPercent } from './format';

type PathFormat = 'humanedit' | 'magicbrush' | 'folder';
type Preview = ApiReturn<'datasets.previewMasks'>;

interface Props {
  format: PathFormat;
  path: string;
  maskPolarity: MaskPolarity;
  alphaMarksEdit: boolean;
  maskThreshold: number;
  /** What is wrong with the path (the import would fail the same way), or null. */
  onProblem?(problem: string | null): void;
}

export function MaskPreview({ format, path, maskPolarity, alphaMarksEdit, maskThreshold, onProblem }: Props) {
  const api = useApi();
  const [state, setState] = useState<{ loading: boolean; data?: Preview; error?: string }>({ loading: false });

  useEffect(() => {
    if (path.trim() === '') {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    // Debounced: typing a path must not read a parquet shard per keystroke.
    const timer = setTimeout(() => {
      api
        .call('datasets.previewMasks', { format, path, options: { maskPolarity, maskThreshold, ...(format !== 'humanedit' ? { alphaMarksEdit } : {}) }, count: 3 })
        .then(
          (data) => live && setState({ loading: false, data }),
          (err: unknown) => live && setState({ loading: false, error: describeError(err) }),
        );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, format, path, maskPolarity, alphaMarksEdit, maskThreshold]);

  useEffect(() => onProblem?.(path.trim() === '' ? null : (state.error ?? null)), [onProblem, path, state.error]);

  if (path.trim() === '') return <p className="hint">Choose a path to preview its masks.</p>;
  if (state.error) {
    return (
      <p className="error" role="alert" data-testid="mask-preview-error">
        This path cannot be imported: {state.error}
      </p>
    );
  }
  if (!state.data) return <p className="hint">Reading the first samples…</p>;
  if (state.data.length === 0) return <p className="hint">No sample with a mask found at this path.</p>;
  return (
    <div className="mask-preview" aria-busy={state.loading} data-testid="mask-preview">
      {state.data.map((p) => {
        const suspicious = p.editFraction > 0.6;
        return (
          <figure key={p.sampleRef}>
            <div className="mask-preview-pair">
              <img src={p.sourcePng} alt={`source of ${p.sampleRef}`} />
              <img src={p.maskPng} alt={`stored mask of ${p.sampleRef} (white marks the edit)`} />
            </div>
            <figcaption>
              <span className="mono">{p.sampleRef}</span>
              <span className={suspicious ? 'warn' : 'muted'} title={suspicious ? 'Most of the image would be edited: is the polarity inverted?' : undefined}>
                edit region {formatPercent(p.editFraction)}
                {suspicious ? ' — inverted?' : ''}
              </span>
            </figcaption>
          </figure>
        );
      })}
    </div>
  );
}
