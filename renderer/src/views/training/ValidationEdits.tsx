// The training monitor's validation edits (issue 15): at the step slider's checkpoint, each fixed
// validation sample as source → the run's edit → ground truth, with the edit's L1 inside the mask
// beside the unedited source's (the edit helps where it is lower). The edits are the run samples of
// kind `edit` the train-editor job stores at every checkpoint; runs.edits adds the sample's images.
import { describeError } from '../../../../shared/api/wording';
import { editSummary } from '../../../../shared/runs/index';
import { useQuery } from '../../api/ApiProvider';
import { BlobImage } from '../../components/BlobImage';

const SIZE = 72;

export function ValidationEdits({ runId, step }: { runId: number; step: number }) {
  const q = useQuery('runs.edits', { runIds: [runId], step });
  const run = q.data?.runs[0];
  if (q.error) return <p className="error small">{describeError(q.error)}</p>;
  if (!run) return <p className="muted small">Loading the edits…</p>;
  const s = editSummary(run.edits);
  const img = (sha: string | null, alt: string) => (sha ? <BlobImage sha256={sha} alt={alt} width={SIZE} height={SIZE} draggable={false} /> : <span className="muted small">no image</span>);
  return (
    <div className="validation-edits" data-testid="validation-edits" data-step={run.step ?? ''}>
      {s.l1In !== null ? (
        <p className="small" data-testid="validation-edits-summary">
          Mean L1 in the mask {s.l1In.toFixed(3)} (unedited source {s.l1InSource!.toFixed(3)}); {s.beatsSource} of {s.n} edits beat their source.
        </p>
      ) : null}
      {run.problems.map((p) => (
        <p key={p} className="warn small">
          {p}
        </p>
      ))}
      <ul className="run-samples">
        {run.edits.map((e) => (
          <li key={e.externalId} className="run-sample validation-edit" data-sample-kind="edit" data-sample={e.externalId}>
            <div className="small">
              <div>
                <strong>{e.externalId}</strong> <span className="muted">{e.instruction}</span>
              </div>
              <div className="edit-triplet">
                <figure>
                  {img(e.sourceSha256, `source ${e.externalId}`)}
                  <figcaption className="muted">source</figcaption>
                </figure>
                <figure>
                  {img(e.editedSha256, `edit of ${e.externalId} at step ${run.step ?? ''}`)}
                  <figcaption>edit</figcaption>
                </figure>
                <figure>
                  {img(e.targetSha256, `ground truth ${e.externalId}`)}
                  <figcaption className="muted">ground truth</figcaption>
                </figure>
              </div>
              <div>
                L1 in mask <span className="mono" data-testid="edit-l1-in">{e.l1In.toFixed(3)}</span> · source <span className="mono">{e.l1InSource.toFixed(3)}</span>{' '}
                <span className={e.l1In < e.l1InSource ? 'ok' : 'warn'}>{e.l1In < e.l1InSource ? 'beats the source' : 'not better than the source'}</span>
              </div>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
