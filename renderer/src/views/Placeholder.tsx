// Views whose feature has not landed yet say so — with the command-line route where one exists.
import { EmptyState } from '../components/EmptyState';
import { ViewHeader } from '../components/ViewHeader';
import type { ViewEntry } from './registry';

export function NotYetAvailable({ view, detail }: { view: ViewEntry; detail: string }) {
  return (
    <section className="view" aria-labelledby="view-title">
      <ViewHeader title={view.label} summary={view.summary} />
      <EmptyState title={`${view.label} is not available in this build`}>
        <p>{detail}</p>
      </EmptyState>
    </section>
  );
}
