// Ctrl/Cmd+K: every view and action by name, filtered as you type, run with Enter. `dynamic` adds
// commands made from what was typed ("Open sample 123", a dataset by its name).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Command } from './commands';

export type { Command } from './commands';

export function CommandPalette({ open, onClose, commands, dynamic }: { open: boolean; onClose: () => void; commands: Command[]; dynamic?: (query: string) => Command[] }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      setQuery('');
      setActive(0);
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const words = q.split(/\s+/).filter(Boolean);
    const fits = (c: Command) => {
      const hay = `${c.label} ${c.hint ?? ''} ${c.keywords ?? ''}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    };
    const extra = dynamic && q !== '' ? dynamic(query.trim()) : [];
    return [...extra, ...(q === '' ? commands : commands.filter(fits))];
  }, [commands, query, dynamic]);

  const run = (c: Command | undefined) => {
    if (!c) return;
    onClose();
    c.run();
  };

  return (
    <dialog ref={dialog} className="palette" aria-label="Command palette" onClose={onClose}>
      <input
        autoFocus
        aria-label="Command"
        placeholder="Type a command, a view, a dataset name or a sample id…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, matches.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            run(matches[active]);
          }
        }}
      />
      {/* Listed only while open: a closed palette holds no copies of the screen's words. */}
      {open ? (
        <ul role="listbox" aria-label="Commands">
          {matches.map((c, i) => (
            <li key={c.id} role="option" aria-selected={i === active} onMouseEnter={() => setActive(i)} onClick={() => run(c)}>
              <span>{c.label}</span>
              {c.hint ? <span className="muted">{c.hint}</span> : null}
            </li>
          ))}
          {matches.length === 0 ? <li className="muted">No command matches.</li> : null}
        </ul>
      ) : null}
    </dialog>
  );
}
