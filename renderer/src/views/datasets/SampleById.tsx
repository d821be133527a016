// #/samples/:id — a sample by its id alone (the command palette's "Open sample 123"): finds its
// dataset and opens it there, or says there is no such sample.
import { Navigate, useParams } from 'react-router';
import { ApiCallError } from '../../../../shared/api/contract';
import { describeError } from '../../../../shared/api/wording';
import { useQuery } from '../../api/ApiProvider';
import { NotFound } from '../../components/NotFound';

export function SampleById() {
  const raw = useParams().sampleId ?? '';
  const id = /^\d{1,12}$/.test(raw) ? Number(raw) : null;
  const sample = useQuery('samples.get', { id: id ?? 0 });
  if (id === null || (sample.error instanceof ApiCallError && sample.error.code === 'not_found')) {
    return <NotFound title="No such sample">There is no sample {id ?? `“${raw}”`} in this data folder.</NotFound>;
  }
  if (sample.error) return <p className="error">Cannot open sample {id}: {describeError(sample.error)}</p>;
  if (!sample.data) return <p className="muted">Finding sample {id}…</p>;
  return <Navigate replace to={`/datasets/${sample.data.datasetId}/samples/${id}`} />;
}
