// The demo Api (issue 18): start (or continue) the ShapesEdit demo chain, its status, cancel, and
// where the base editor is — for `ric demo` and the first-run offer alike.
import { DemoRefusedError } from '../../demo/chain.js';
import { findBaseEditor, missingBaseEditorMessage } from '../../demo/base-editor.js';
import type { AppContext } from '../context.js';
import type { ApiHandlers } from '../dispatcher.js';
import { ApiError } from '../errors.js';

type DemoMethods = Extract<keyof ApiHandlers, `demo.${string}`>;

export function demoHandlers(ctx: AppContext): Pick<ApiHandlers, DemoMethods> {
  return {
    'demo.start': (args) => {
      try {
        return ctx.demo.start(args);
      } catch (err) {
        if (err instanceof DemoRefusedError) throw new ApiError('failed_precondition', err.message);
        throw err;
      }
    },
    'demo.status': () => ctx.demo.status(),
    'demo.cancel': () => ctx.demo.cancel(),
    'demo.baseEditor': () => {
      const { found, looked } = findBaseEditor(ctx.store.dataDir, false);
      return { found, looked, message: found ? `the demo fine-tunes the base editor in ${found}` : missingBaseEditorMessage(looked) };
    },
  };
}
