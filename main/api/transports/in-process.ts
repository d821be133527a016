// In-process transport (unit tests, the CLI): the same dispatcher and events, with arguments and
// results cloned as a real transport would serialise them, so nothing shares references.
import type { ApiTransport } from '../../../shared/api/client.js';
import type { Dispatcher } from '../dispatcher.js';
import type { EventHub } from '../../events/index.js';

export function createInProcessTransport(dispatcher: Dispatcher, events: EventHub): ApiTransport {
  return {
    async call(method, args) {
      const result = await dispatcher.call(method, structuredClone(args), { transport: 'in-process' });
      return structuredClone(result);
    },
    subscribe(listener) {
      return events.subscribe((event, payload) => listener(event, structuredClone(payload)));
    },
  };
}
