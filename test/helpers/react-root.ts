// A React root in a happy-dom document for one test file: mounted before each test, unmounted (inside
// act) and removed after it, with the element it renders into.
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach } from 'vitest';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export function useTestRoot(before?: () => void): { readonly root: Root; readonly host: HTMLDivElement } {
  const current: { root: Root | null; host: HTMLDivElement | null } = { root: null, host: null };
  beforeEach(() => {
    before?.();
    current.host = document.createElement('div');
    document.body.append(current.host);
    current.root = createRoot(current.host);
  });
  afterEach(() => {
    act(() => current.root?.unmount());
    current.host?.remove();
  });
  return {
    get root() {
      if (!current.root) throw new Error('useTestRoot: the root exists only while a test runs');
      return current.root;
    },
    get host() {
      if (!current.host) throw new Error('useTestRoot: the host exists only while a test runs');
      return current.host;
    },
  };
}
