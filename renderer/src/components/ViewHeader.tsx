import type { ReactNode } from 'react';

export function ViewHeader({ title, summary, actions }: { title: string; summary: string; actions?: ReactNode }) {
  return (
    <header className="view-header">
      <div>
        <h1 tabIndex={-1} data-view-title>
          {title}
        </h1>
        <p className="muted">{summary}</p>
      </div>
      {actions ? <div className="view-actions">{actions}</div> : null}
    </header>
  );
}
