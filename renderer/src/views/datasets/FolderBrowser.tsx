// A folder browser on the machine that runs the engine (files.browse): in web mode that machine is
// often a remote GPU box, so the browser's own file picker would show the wrong disk.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { describeError } from '../../../../shared/api/wording';
import { useQuery } from '../../api/ApiProvider';
import { formatBytes } from './format';

interface Props {
  start?: string;
  /** Called with a folder, or a file when `acceptFile` says it may be chosen (a parquet shard). */
  onChoose(path: string): void;
  acceptFile?(name: string): boolean;
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}${dir.includes('\\') && !dir.includes('/') ? '\\' : '/'}${name}`;
}

export function FolderBrowser({ start, onChoose, acceptFile }: Props) {
  const [path, setPath] = useState<string | undefined>(start || undefined);
  const [typed, setTyped] = useState(start ?? '');
  const listing = useQuery('files.browse', path ? { path } : {});
  const listRef = useRef<HTMLUListElement>(null);
  const [active, setActive] = useState(0);

  useEffect(() => {
    if (listing.data) {
      setTyped(listing.data.path);
      setActive(0);
    }
  }, [listing.data]);

  const entries = listing.data?.entries ?? [];
  const open = (name: string, kind: 'dir' | 'file') => {
    if (!listing.data) return;
    const full = join(listing.data.path, name);
    if (kind === 'dir') setPath(full);
    else if (acceptFile?.(name)) onChoose(full);
  };

  const onKey = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, Math.min(entries.length - 1, active + (e.key === 'ArrowDown' ? 1 : -1)));
      setActive(next);
      listRef.current?.querySelectorAll('li')[next]?.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' && entries[active]) {
      e.preventDefault();
      open(entries[active].name, entries[active].kind);
    } else if (e.key === 'Backspace' && listing.data?.parent) {
      e.preventDefault();
      setPath(listing.data.parent);
    }
  };

  return (
    <div className="folder-browser">
      <form
        className="folder-browser-path"
        onSubmit={(e) => {
          e.preventDefault();
          setPath(typed.trim() || undefined);
        }}
      >
        <button
          type="button"
          className="secondary"
          disabled={!listing.data?.parent}
          onClick={() => listing.data?.parent && setPath(listing.data.parent)}
          aria-label="Parent folder"
          title="Parent folder (Backspace)"
        >
          ↑
        </button>
        <input aria-label="Folder on the engine machine" value={typed} spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
        <button type="submit" className="secondary">
          Go
        </button>
      </form>
      {listing.error ? (
        <p className="error" role="alert">
          Cannot list {path ?? 'the home folder'}: {describeError(listing.error)}
        </p>
      ) : null}
      <ul
        className="folder-browser-list"
        role="listbox"
        tabIndex={0}
        ref={listRef}
        aria-label="Folder contents"
        aria-activedescendant={entries[active] ? `fb-${active}` : undefined}
        onKeyDown={onKey}
        aria-busy={listing.loading}
      >
        {entries.length === 0 && !listing.loading ? <li className="muted empty">Nothing here to import: no sub-folder and no .parquet, .json, .jsonl or .csv file.</li> : null}
        {entries.map((entry, i) => {
          const choosable = entry.kind === 'dir' || acceptFile?.(entry.name);
          return (
            <li
              key={entry.name}
              id={`fb-${i}`}
              role="option"
              aria-selected={i === active}
              className={choosable ? '' : 'disabled'}
              onClick={() => setActive(i)}
              onDoubleClick={() => open(entry.name, entry.kind)}
            >
              <span className="fb-icon" aria-hidden>
                {entry.kind === 'dir' ? '▸' : '·'}
              </span>
              <span className="fb-name">{entry.name}</span>
              <span className="fb-size muted">{entry.kind === 'file' ? formatBytes(entry.size) : ''}</span>
            </li>
          );
        })}
      </ul>
      <div className="folder-browser-actions">
        <span className="hint">Double-click or Enter opens a folder{acceptFile ? ' or picks a file' : ''}.</span>
        <button type="button" className="primary" disabled={!listing.data} onClick={() => listing.data && onChoose(listing.data.path)}>
          Use this folder
        </button>
      </div>
    </div>
  );
}
