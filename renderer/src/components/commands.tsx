// The command palette's commands: the shell's own (views, theme, import, new run, open a sample or a
// dataset) and those the open view contributes while it is shown (rename this dataset, approve the
// captions in view, ...). A view registers with useViewCommands; the palette lists them all.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

export interface Command {
  id: string;
  label: string;
  hint?: string;
  /** Extra words the filter matches ("delete" finds "Remove …"). */
  keywords?: string;
  run(): void;
}

interface Registry {
  commands: Command[];
  set(owner: symbol, commands: Command[]): void;
}

const CommandsContext = createContext<Registry | null>(null);

export function CommandsProvider({ children }: { children: ReactNode }) {
  const [byOwner, setByOwner] = useState<Map<symbol, Command[]>>(() => new Map());
  const set = useCallback((owner: symbol, commands: Command[]) => {
    setByOwner((m) => {
      const next = new Map(m);
      if (commands.length === 0) next.delete(owner);
      else next.set(owner, commands);
      return next;
    });
  }, []);
  const value = useMemo<Registry>(() => ({ commands: [...byOwner.values()].flat(), set }), [byOwner, set]);
  return <CommandsContext.Provider value={value}>{children}</CommandsContext.Provider>;
}

/** Commands the current view offers while it is mounted; `run` always calls the latest closure. */
export function useViewCommands(commands: Command[]): void {
  const registry = useContext(CommandsContext);
  const owner = useRef(Symbol('view'));
  const latest = useRef(commands);
  latest.current = commands;
  const key = commands.map((c) => `${c.id}\u0000${c.label}\u0000${c.hint ?? ''}`).join('\u0001');
  useEffect(() => {
    if (!registry) return;
    const stable = latest.current.map((c) => ({ ...c, run: () => latest.current.find((x) => x.id === c.id)?.run() }));
    registry.set(owner.current, stable);
    // `key` stands for the commands' identity; their closures are reached through `latest`.
  }, [registry?.set, key]);
  useEffect(() => {
    const me = owner.current;
    return () => registry?.set(me, []);
  }, [registry?.set]);
}

export function useRegisteredCommands(): Command[] {
  return useContext(CommandsContext)?.commands ?? [];
}
