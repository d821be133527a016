import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import type { Settings, Theme } from '../../shared/api/settings';
import { useApi } from './api/ApiProvider';
import { CommandPalette, type Command } from './components/CommandPalette';
import { StatusBar } from './components/StatusBar';
import { CaptionsView } from './views/captions/CaptionsView';
import { CompareView } from './views/compare/CompareView';
import { DatasetsArea } from './views/datasets/DatasetsArea';
import { EditView } from './views/edit/EditView';
import { MasksView } from './views/masks/MasksView';
import { views } from './views/registry';
import { SettingsView } from './views/SettingsView';
import { TrainingView } from './views/training/TrainingView';

export function App() {
  const api = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  const [theme, setTheme] = useState<Theme>('dark');
  const [paletteOpen, setPaletteOpen] = useState(false);
  const navRef = useRef<HTMLElement>(null);

  useEffect(() => {
    api.call('settings.get', {}).then((s) => setTheme(s.theme), () => undefined);
  }, [api]);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // Move focus to the new view's title so keyboard and screen-reader users land in it.
  useEffect(() => {
    document.querySelector<HTMLElement>('[data-view-title]')?.focus({ preventScroll: true });
  }, [location.pathname]);

  const toggleTheme = useCallback(() => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    setTheme(next);
    api.call('settings.update', { theme: next }).catch(() => setTheme(theme));
  }, [api, theme]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPaletteOpen(true);
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && /^[1-9]$/.test(e.key)) {
        const view = views[Number(e.key) - 1];
        if (view) {
          e.preventDefault();
          void navigate(view.path);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate]);

  const commands = useMemo<Command[]>(
    () => [
      ...views.map((v, i) => ({ id: `go:${v.path}`, label: `Go to ${v.label}`, hint: `Alt+${i + 1}`, run: () => void navigate(v.path) })),
      { id: 'theme', label: 'Toggle dark / light theme', run: toggleTheme },
    ],
    [navigate, toggleTheme],
  );

  // Arrow keys move between navigation links (one tab stop for the whole list).
  const onNavKey = (e: KeyboardEvent<HTMLElement>) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const links = [...(navRef.current?.querySelectorAll<HTMLAnchorElement>('a') ?? [])];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next =
      e.key === 'Home' ? 0 : e.key === 'End' ? links.length - 1 : e.key === 'ArrowDown' ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    e.preventDefault();
    links[next]?.focus();
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Views" ref={navRef} onKeyDown={onNavKey}>
        <div className="brand">
          RIC <span>Studio</span>
        </div>
        <ul>
          {views.map((v, i) => (
            <li key={v.path}>
              <NavLink to={v.path} title={`${v.summary} (Alt+${i + 1})`}>
                {v.label}
              </NavLink>
            </li>
          ))}
        </ul>
        <button type="button" className="palette-hint" onClick={() => setPaletteOpen(true)}>
          Commands <kbd>Ctrl K</kbd>
        </button>
      </nav>
      <main id="main" className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/datasets" replace />} />
          <Route path="/datasets/*" element={<DatasetsArea />} />
          <Route path="/captions" element={<CaptionsView />} />
          <Route path="/masks" element={<MasksView />} />
          <Route path="/masks/:sampleId" element={<MasksView />} />
          <Route path="/training" element={<TrainingView />} />
          <Route path="/edit" element={<EditView />} />
          <Route path="/compare" element={<CompareView />} />
          <Route path="/settings" element={<SettingsView onSaved={(s: Settings) => setTheme(s.theme)} />} />
          <Route path="*" element={<Navigate to="/datasets" replace />} />
        </Routes>
      </main>
      <StatusBar theme={theme} onToggleTheme={toggleTheme} />
      <CommandPalette open={paletteOpen} onClose={() => setPaletteOpen(false)} commands={commands} />
    </div>
  );
}
