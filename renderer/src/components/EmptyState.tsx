import type { ReactNode } from 'react';

/** What a view shows when there is nothing behind it yet: said plainly, never faked. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <h2>{title}</h2>
      <div className="empty-body">{children}</div>
    </div>
  );
}
