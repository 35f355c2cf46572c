// The lookup half of client-go's EventCorrelator (tools/record/events_cache.go): which stored
// event a new recording repeats. client-go keeps this in the recording process's memory; here it
// is rebuilt from the store on first use and then kept in step with committed writes, so that
// recording an event never scans the events.
import type { Event } from '../model/event.js';
import type { ReadTx } from '../storage/objectStore.js';

export interface EventId {
  namespace: string;
  name: string;
}

/** getEventKey: two recordings with the same key are one event seen twice. */
export function aggregationKey(ev: Event): string {
  const io = ev.involvedObject ?? {};
  return JSON.stringify([
    ev.source?.component ?? '',
    ev.source?.host ?? '',
    io.kind ?? '',
    io.namespace ?? '',
    io.name ?? '',
    io.fieldPath ?? '',
    io.uid ?? '',
    io.apiVersion ?? '',
    ev.type ?? '',
    ev.reason ?? '',
    ev.message ?? '',
  ]);
}

/** The latest moment the event is known to have been written. */
export function lastTouched(ev: Event): number {
  const times = [ev.lastTimestamp, ev.series?.lastObservedTime, ev.eventTime, ev.metadata?.creationTimestamp];
  return Math.max(-Infinity, ...times.map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t)));
}

const idString = (id: EventId): string => `${id.namespace}/${id.name}`;
const idOf = (ev: Event): EventId => ({ namespace: ev.metadata?.namespace ?? '', name: ev.metadata?.name ?? '' });

export class AggregationIndex {
  private byKey?: Map<string, EventId>;
  private readonly keyOf = new Map<string, string>();

  /** `load` lists every stored event; it is called once, on the first lookup. */
  constructor(private readonly load: (tx: ReadTx) => Promise<Event[]>) {}

  /** The event a recording with this key would repeat, if one is known; inside the recording's write. */
  async lookup(tx: ReadTx, key: string): Promise<EventId | undefined> {
    if (!this.byKey) {
      const events = await this.load(tx);
      this.byKey = new Map();
      // Where stored events share a key, the most recently touched one is the one to bump.
      const newest = new Map<string, number>();
      for (const ev of events) {
        const key = aggregationKey(ev);
        const touched = lastTouched(ev);
        if ((newest.get(key) ?? -Infinity) <= touched) {
          newest.set(key, touched);
          this.written(ev);
        } else {
          this.keyOf.set(idString(idOf(ev)), key);
        }
      }
    }
    return this.byKey.get(key);
  }

  /** After a committed create or update. */
  written(ev: Event): void {
    if (!this.byKey) return;
    const id = idOf(ev);
    const key = aggregationKey(ev);
    const previous = this.keyOf.get(idString(id));
    if (previous !== undefined && previous !== key) this.removed(id);
    this.keyOf.set(idString(id), key);
    this.byKey.set(key, id);
  }

  /** After a committed delete. */
  removed(id: EventId): void {
    const key = this.keyOf.get(idString(id));
    this.keyOf.delete(idString(id));
    if (key === undefined || !this.byKey) return;
    const current = this.byKey.get(key);
    if (current && idString(current) === idString(id)) this.byKey.delete(key);
  }
}
