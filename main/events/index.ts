// Typed push events (job progress, metric points, log lines): the hub every producer (the job queue,
// importers, handlers) emits to and every transport fans out. Below the Api and the jobs area, so
// both can use it without importing each other.
import { apiEvents, type ApiEventName, type ApiEventPayload } from '../../shared/api/index.js';

export type EventListener = (event: ApiEventName, payload: unknown) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends ApiEventName>(event: E, payload: ApiEventPayload<E>): void {
    // Validate on the way out: a malformed event is a bug here, not something to send.
    const checked = apiEvents[event].parse(payload);
    for (const listener of [...this.listeners]) {
      try {
        listener(event, checked);
      } catch {
        // One broken subscriber (a closed socket) must not stop the others.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
