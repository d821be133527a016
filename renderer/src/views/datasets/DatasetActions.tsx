// Rename, delete and retry a dataset (issue 17): each goes through the Api, each says what it will
// do before it does it, and each error is shown where the action was taken.
import { useEffect, useState, type FormEvent } from 'react';
import type { DatasetSummary } from '../../../../shared/api/index';
import { describeError } from '../../../../shared/api/wording';
import { useApi } from '../../api/ApiProvider';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { formatCount } from './format';

type Target = Pick<DatasetSummary, 'id' | 'name' | 'sampleCount'>;

export function DeleteDatasetDialog({ dataset, open, onClose, onDeleted }: { dataset: Target; open: boolean; onClose(): void; onDeleted(): void }) {
  const api = useApi();
  return (
    <ConfirmDialog
      open={open}
      title={`Delete “${dataset.name}”?`}
      confirmLabel="Delete dataset"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api.call('datasets.delete', { id: dataset.id, name: dataset.name });
        onDeleted();
      }}
    >
      <p>
        This deletes <strong>{dataset.name}</strong> with its {formatCount(dataset.sampleCount)} {dataset.sampleCount === 1 ? 'sample' : 'samples'}, their masks,
        captions and reported errors. It cannot be undone.
      </p>
      <p className="hint">
        Images and masks no other dataset or training run uses are removed from the data folder. Training runs keep their metrics and checkpoints and still name
        this dataset.
      </p>
    </ConfirmDialog>
  );
}

export function RenameDatasetDialog({ dataset, open, onClose, onRenamed }: { dataset: Target; open: boolean; onClose(): void; onRenamed(name: string): void }) {
  const api = useApi();
  const [name, setName] = useState(dataset.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setName(dataset.name);
      setError(null);
    }
  }, [open, dataset.name]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const renamed = await api.call('datasets.rename', { id: dataset.id, name });
      onRenamed(renamed.name);
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title={`Rename “${dataset.name}”`} onClose={onClose}>
      <form className="dialog-body" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="rename-dataset">New name</label>
          <input id="rename-dataset" value={name} autoFocus maxLength={200} onChange={(e) => setName(e.target.value)} />
          {error ? (
            <span className="field-error" role="alert">
              {error}
            </span>
          ) : null}
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || name.trim() === '' || name.trim() === dataset.name}>
            Rename
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Runs a failed import again into the same dataset; a dataset without samples may take another path. */
export async function retryImport(api: ReturnType<typeof useApi>, dataset: Pick<DatasetSummary, 'id' | 'sourcePath'>, path?: string): Promise<{ jobId: number; datasetId: number }> {
  const changed = path !== undefined && path.trim() !== '' && path.trim() !== dataset.sourcePath;
  return api.call('datasets.retryImport', { id: dataset.id, ...(changed ? { path: path.trim() } : {}) });
}
