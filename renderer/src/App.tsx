import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import type { DatasetSummary } from '../../shared/api/datasets';
import type { Settings, Theme } from '../../shared/api/settings';
import { useApi } from './api/ApiProvider';
import { CommandPalette } from './components/CommandPalette';
import { CommandsProvider, useRegisteredCommands, type Command } from './components/commands';
import { NotFound } from './components/NotFound';
import { StatusBar } from './components/StatusBar';
import { CaptionsView } from './views/captions/CaptionsView';
import { CompareView } from './views/compare/CompareView';
import { DatasetsArea } from './views/datasets/DatasetsArea';
import { DEMO_STARTED_KEY, DemoView } from './views/demo/DemoView';
import { EditView } from './views/edit/EditView';
import { SampleById } from './views/datasets/SampleById';
import { MasksView } from './views/masks/MasksView';
import { views } from './views/registry';
import { SettingsView } from './views/SettingsView';
import { TrainingView } from './views/training/TrainingView';

export function App() {
  return (
    <CommandsProvider>
      <Shell />
    </CommandsProvider>
  );
}

function Shell() {
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

  // A demo this window started opens its ablation table when it finishes, wherever the user is.
  useEffect(
    () =>
      api.on('demo.changed', (e) => {
        if (e.state !== 'completed' || sessionStorage.getItem(DEMO_STARTED_KEY) !== String(e.id)) return;
        sessionStorage.removeItem(DEMO_STARTED_KEY);
        void navigate('/demo');
      }),
    [api, navigate],
  );

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

  const registered = useRegisteredCommands();
  const commands = useMemo<Command[]>(
    () => [
      ...views.map((v, i) => ({ id: `go:${v.path}`, label: `Go to ${v.label}`, hint: `Alt+${i + 1}`, run: () => void navigate(v.path) })),
      ...registered,
      { id: 'import', label: 'Import a dataset…', keywords: 'new add humanedit magicbrush folder shapesedit generate', run: () => void navigate('/datasets?import=1') },
      { id: 'demo', label: 'Create the demo project…', keywords: 'shapesedit example first tutorial ablation', run: () => void navigate('/demo') },
      { id: 'new-run', label: 'New training run…', keywords: 'train start regionclip blip', run: () => void navigate('/training?new=1') },
      { id: 'theme', label: 'Toggle dark / light theme', keywords: 'colour color dark light', run: toggleTheme },
    ],
    [navigate, toggleTheme, registered],
  );

  // Commands made from what is typed: a sample by its id, a dataset by its name.
  const [datasets, setDatasets] = useState<DatasetSummary[]>([]);
  useEffect(() => {
    if (paletteOpen) api.call('datasets.list', {}).then(setDatasets, () => setDatasets([]));
  }, [api, paletteOpen]);
  const dynamic = useCallback(
    (query: string): Command[] => {
      const out: Command[] = [];
      const id = /^(?:sample\s*)?#?(\d{1,12})$/i.exec(query)?.[1];
      if (id) out.push({ id: `sample:${id}`, label: `Open sample ${id}`, run: () => void navigate(`/samples/${id}`) });
      const q = query.toLowerCase();
      for (const d of datasets.filter((x) => x.name.toLowerCase().includes(q)).slice(0, 5)) {
        out.push({ id: `dataset:${d.id}`, label: `Open dataset ${d.name}`, hint: `${d.sampleCount} samples`, run: () => void navigate(`/datasets/${d.id}`) });
      }
      return out;
    },
    [datasets, navigate],
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
          <Route path="/samples/:sampleId" element={<SampleById />} />
          <Route path="/training" element={<TrainingView />} />
          <Route path="/edit" element={<EditView />} />
          <Route path="/compare" element={<CompareView />} />
          <Route path="/demo" element={<DemoView />} />
          <Route path="/settings" element={<SettingsView onSaved={(s: Settings) => setTheme(s.theme)} />} />
          <Route path="*" element={<UnknownPage />} />
        </Routes>
      </main>
      <StatusBar theme={theme} onToggleTheme={toggleTheme} />
      <CommandPalette open={paletteOpen} onClose={() => setPaletteOpen(false)} commands={commands} dynamic={dynamic} />
    </div>
  );
}

function UnknownPage() {
  const location = useLocation();
  return (
    <NotFound title="Page not found" links={views.map((v) => ({ to: v.path, label: v.label }))}>
      RIC Studio has no page at <code>#{location.pathname}</code>. Choose one of its views:
    </NotFound>
  );
}
