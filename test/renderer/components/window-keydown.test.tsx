// @vitest-environment happy-dom
// useWindowKeydown: a key pressed right after a render reaches that render's handler. The views'
// keyboard handlers close over what the render knew (the sample view's neighbours); registered in
// a passive effect, a key that arrived after the paint and before the effect went to the render
// before — `datasets.spec` lost an ← that way once. Here a sibling's layout effect dispatches the key
// inside the commit, the latest moment such a key can arrive before the passive effects run.
import { act, useEffect, useLayoutEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { useWindowKeydown } from '../../../renderer/src/components/useWindowKeydown.js';
import { useTestRoot } from '../../helpers/react-root.js';

const t = useTestRoot();

/** The pattern the views used before: the listener added in a passive effect, per render. */
function usePassiveKeydown(handler: (e: KeyboardEvent) => void): void {
  useEffect(() => {
    window.addEventListener('keydown', handler);
    return () => window.removeEventListener('keydown', handler);
  });
}

function Listener({ n, seen, passive }: { n: number; seen: number[]; passive: boolean }) {
  const useKey = passive ? usePassiveKeydown : useWindowKeydown;
  useKey((e) => {
    if (e.key === 'x') seen.push(n);
  });
  return null;
}

/** Presses x during the commit of every render, after the listener's layout effects have run. */
function Presser({ n }: { n: number }) {
  useLayoutEffect(() => {
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
  }, [n]);
  return null;
}

function renderBoth(n: number, seen: number[], passive: boolean) {
  act(() =>
    t.root.render(
      <>
        <Listener n={n} seen={seen} passive={passive} />
        <Presser n={n} />
      </>,
    ),
  );
}

describe('useWindowKeydown', () => {
  it('runs the handler of the render just committed, even before passive effects', () => {
    const seen: number[] = [];
    renderBoth(1, seen, false);
    renderBoth(2, seen, false);
    renderBoth(3, seen, false);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('(the race it closes: a passive-effect listener misses the first key and answers with the render before)', () => {
    const seen: number[] = [];
    renderBoth(1, seen, true);
    renderBoth(2, seen, true);
    renderBoth(3, seen, true);
    expect(seen).toEqual([1, 2]);
  });

  it('adds one listener for the life of the component and removes it on unmount', () => {
    const seen: number[] = [];
    act(() => t.root.render(<Listener n={7} seen={seen} passive={false} />));
    act(() => t.root.render(<Listener n={8} seen={seen} passive={false} />));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
    expect(seen).toEqual([8]);
    act(() => t.root.render(<></>));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'x' }));
    expect(seen).toEqual([8]);
  });
});
