// A window keydown listener that always runs the handler of the latest render.
//
// Registering the handler in a plain useEffect leaves a gap: React paints a render (the page shows
// "3 of 60", a Next button now enabled) and runs passive effects afterwards, so a key pressed in
// between reaches the listener of the render before — with its stale neighbours, a step lost. Here
// the listener is added once and the handler is swapped, both in layout effects, which run in the
// same commit as the DOM change, before the browser can deliver another event.
import { useLayoutEffect, useRef } from 'react';

export function useWindowKeydown(handler: (e: KeyboardEvent) => void): void {
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => latest.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
