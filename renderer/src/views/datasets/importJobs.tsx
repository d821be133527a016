// Which import jobs this window started, and their latest progress (`job.progress` events), shared by
// the dataset list and the import dialog so a closed dialog does not lose sight of a running import.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ApiEventPayload } from '../../../../shared/api/index';
import { useApi } from '../../api/ApiProvider';

export type JobProgress = ApiEventPayload<'job.progress'>;

export interface ImportJob {
  jobId: number;
  datasetId: number;
  label: string;
  progress: JobProgress | null;
}

interface ImportJobsValue {
  jobs: ImportJob[];
  track(job: Omit<ImportJob, 'progress'>, progress?: JobProgress): void;
  /** Asks the main side to stop an import after its current batch. */
  cancel(jobId: number): Promise<void>;
  byDataset(datasetId: number): ImportJob | undefined;
}

const ImportJobsContext = createContext<ImportJobsValue | null>(null);

export function ImportJobsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [jobs, setJobs] = useState<ImportJob[]>([]);

  useEffect(
    () =>
      api.on('job.progress', (p) => {
        setJobs((list) => (list.some((j) => j.jobId === p.jobId) ? list.map((j) => (j.jobId === p.jobId ? { ...j, progress: p } : j)) : list));
      }),
    [api],
  );

  const track = useCallback((job: Omit<ImportJob, 'progress'>, progress?: JobProgress) => {
    setJobs((list) => [...list.filter((j) => j.jobId !== job.jobId), { ...job, progress: progress ?? null }]);
  }, []);

  const cancel = useCallback(
    async (jobId: number) => {
      await api.call('datasets.cancelImport', { jobId });
    },
    [api],
  );

  const value = useMemo<ImportJobsValue>(
    () => ({ jobs, track, cancel, byDataset: (id) => [...jobs].reverse().find((j) => j.datasetId === id) }),
    [jobs, track, cancel],
  );
  return <ImportJobsContext.Provider value={value}>{children}</ImportJobsContext.Provider>;
}

export function useImportJobs(): ImportJobsValue {
  const ctx = useContext(ImportJobsContext);
  if (!ctx) throw new Error('useImportJobs outside <ImportJobsProvider>');
  return ctx;
}

export const isFinished = (p: JobProgress | null) => p !== null && ['completed', 'failed', 'cancelled', 'interrupted'].includes(p.state);
