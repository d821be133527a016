// What an address that leads nowhere shows: what was asked for, that it does not exist (or no
// longer does), and where to go instead — never a blank page or a silent redirect.
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export function NotFound({ title, children, links = [{ to: '/datasets', label: 'Datasets' }] }: { title: string; children?: ReactNode; links?: { to: string; label: string }[] }) {
  return (
    <section className="view not-found" aria-labelledby="not-found-title" data-testid="not-found">
      <header className="view-header">
        <div>
          <h1 id="not-found-title" tabIndex={-1} data-view-title>
            {title}
          </h1>
          <div className="muted">{children}</div>
        </div>
      </header>
      <nav aria-label="Where to go instead" className="not-found-links">
        {links.map((l) => (
          <Link key={l.to} className="button-link" to={l.to}>
            {l.label}
          </Link>
        ))}
      </nav>
    </section>
  );
}
