import { eventId, type NewEvent, type StoredEvent } from '../store/store.js';

/** A subscriber to committed events. */
export type EventListener = (event: StoredEvent) => void;

/** Where committed events are announced: what SDK sessions, live feeds and webhooks subscribe to. */
export interface EventSubscriptions {
  /** Subscribes to committed events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
}

/** The node's live event feed: every committed event, this process's and (on a shared store) other processes'. */
export class EventFeed implements EventSubscriptions {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes to committed events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands one stored event to every subscriber. */
  emit(event: StoredEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Hands events another transaction already stored (billing, rentals) to the live subscribers of the feed. */
  announce(events: StoredEvent[]): void {
    for (const e of events) this.emit(e);
  }

  /** Completes events just committed with their sequence numbers and announces them. */
  announceCommitted(events: NewEvent[], seqs: number[]): void {
    // The event objects are ours alone: completing them in place saves a copy per event on the hot path.
    for (let i = 0; i < events.length; i++) {
      const stored = events[i] as StoredEvent;
      stored.seq = seqs[i] ?? 0;
      stored.id = eventId(stored.seq);
      this.emit(stored);
    }
  }
}
