// The Edit view (issue 14): pick an InstructPix2Pix pipeline folder and a source (a dataset sample or
// an image file on the engine's machine), write the instruction, set steps / guidances / seed /
// scheduler, Run — live progress with the x̂0 preview, then the result beside the source with the
// slider compare; one click for the guidance grid (text × image scales); keep a result into a result
// set. The second tab lists a dataset's result sets and opens their images.
import { useState } from 'react';
import { ViewHeader } from '../../components/ViewHeader';
import { DatasetEditRun } from './DatasetEditRun';
import { EditForm, type StartedDatasetEdit, type StartedEdit } from './EditForm';
import { EditRun } from './EditRun';
import { ResultSets } from './ResultSets';
import './edit.css';

export function EditView() {
  const [tab, setTab] = useState<'edit' | 'sets'>('edit');
  const [run, setRun] = useState<StartedEdit | StartedDatasetEdit | null>(null);
  const finished = () => setRun((r) => (r ? { ...r, finished: true } : r));
  return (
    <div className="edit-view">
      <ViewHeader
        title="Edit"
        summary="Edit images with an InstructPix2Pix or MagicBrush pipeline folder; browse result sets"
        actions={
          <div role="tablist" aria-label="Edit view" className="edit-tabs">
            <button type="button" role="tab" aria-selected={tab === 'edit'} className={tab === 'edit' ? 'primary' : 'secondary'} onClick={() => setTab('edit')}>
              Edit an image
            </button>
            <button type="button" role="tab" aria-selected={tab === 'sets'} className={tab === 'sets' ? 'primary' : 'secondary'} onClick={() => setTab('sets')}>
              Result sets
            </button>
          </div>
        }
      />
      {tab === 'edit' ? (
        <div className="edit-body">
          <EditForm onStarted={setRun} busy={run !== null && !run.finished} />
          {run?.kind === 'single' ? (
            <EditRun key={run.jobId} run={run} onFinished={finished} />
          ) : run?.kind === 'dataset' ? (
            <DatasetEditRun key={run.jobId} run={run} onFinished={finished} onOpenSets={() => setTab('sets')} />
          ) : (
            <p className="muted edit-empty">Choose a pipeline folder and a source, then Run. The result appears here.</p>
          )}
        </div>
      ) : (
        <ResultSets />
      )}
    </div>
  );
}
