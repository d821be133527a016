// The Datasets view and its nested routes: the list, one dataset's grid, one sample.
import { Route, Routes } from 'react-router';
import { NotFound } from '../../components/NotFound';
import { DatasetList } from './DatasetList';
import { ImportJobsProvider } from './importJobs';
import { SampleBrowser } from './SampleBrowser';
import { SampleView } from './SampleView';
import './datasets.css';

export function DatasetsArea() {
  return (
    <ImportJobsProvider>
      <Routes>
        <Route index element={<DatasetList />} />
        <Route path=":datasetId" element={<SampleBrowser />} />
        <Route path=":datasetId/samples/:sampleId" element={<SampleView />} />
        <Route
          path="*"
          element={
            <NotFound title="Page not found">
              The Datasets view has no page here. Open a dataset from the list.
            </NotFound>
          }
        />
      </Routes>
    </ImportJobsProvider>
  );
}
