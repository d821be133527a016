// A sample's edited images in every result set (results.forSample): a strip under the stage; picking
// one puts it in the stage's second pane (and under the slider) in place of the dataset's target.
import type { ImageRef } from '../../../../shared/api/index';
import { useBlobUrl, useQuery } from '../../api/ApiProvider';

export interface ShownResult {
  resultSetId: number;
  label: string;
  image: ImageRef;
}

export function SampleResults({ sampleId, shown, onShow }: { sampleId: number; shown: ShownResult | null; onShow(r: ShownResult | null): void }) {
  const blobUrl = useBlobUrl();
  const results = useQuery('results.forSample', { sampleId });
  const rows = results.data ?? [];
  if (rows.length === 0) return null;
  return (
    <div className="sample-results" role="group" aria-label="Edited in result sets">
      <span className="small muted">Result sets:</span>
      <button type="button" className="secondary" aria-pressed={shown === null} onClick={() => onShow(null)}>
        Dataset target
      </button>
      {rows.map(({ resultSet, image }) =>
        image.image ? (
          <button
            key={resultSet.id}
            type="button"
            className="secondary sample-result"
            aria-pressed={shown?.resultSetId === resultSet.id}
            title={`${resultSet.method} — result set "${resultSet.name}"`}
            onClick={() => onShow({ resultSetId: resultSet.id, label: `${resultSet.method} (${resultSet.name})`, image: image.image! })}
          >
            <img src={blobUrl(image.image.thumbSha256 ?? image.image.sha256)} alt="" width={32} height={32} />
            {resultSet.name}
          </button>
        ) : (
          <span key={resultSet.id} className="small error" title={image.error ?? ''}>
            {resultSet.name}: no image
          </span>
        ),
      )}
    </div>
  );
}
