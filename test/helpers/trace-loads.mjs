// `node --import ./test/helpers/trace-loads.mjs …`: every module the process loads (ES modules, and
// CommonJS ones reached by import) is written to stderr as `loaded <url>`, for tests of what a
// command loads. The hook runs on Node's loader thread, so it is registered from a data: URL.
import { register } from 'node:module';

const hooks = `export async function load(url, context, next) {
  const r = await next(url, context);
  process.stderr.write('loaded ' + url + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
