// What a controller knows of the API, as client-go's shared informers give it: one watch on the
// hub per resource, each change parsed once and handed to every handler registered on it. The
// watch starts with the current objects (as an informer's first list), or only those whose
// stored JSON names one of `initialContains` where the handlers need no more. Handlers run
// inside the hub's dispatch, so they only note what changed and queue work; they never write.
import type { KubeObject } from '../registry/generic/strategy.js';
import { eventObject, type WatchHandle, type WatchHub } from '../watch/watchHub.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type Handler<T> = (type: ChangeType, obj: T) => void;

export interface InformerOptions {
  resource: string;
  kind: string;
  /** The initial state holds only objects whose JSON contains one of these (undefined: all). */
  initialContains?: string[];
  /** A handler that throws is reported here; the other handlers, and the hub's other watchers, still get the change. */
  log: (msg: string) => void;
}

export class Informer<T extends KubeObject> {
  private readonly handlers: Handler<T>[] = [];
  private handle?: WatchHandle;

  constructor(
    private readonly hub: WatchHub,
    private readonly options: InformerOptions,
  ) {}

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    const { resource, kind, initialContains } = this.options;
    this.handle = await this.hub.watch(
      { resource, kind, initialContains },
      {
        send: (event) => {
          if (event.type === 'BOOKMARK') return true;
          const obj = eventObject<T>(event);
          for (const handler of this.handlers) {
            try {
              handler(event.type, obj);
            } catch (err) {
              this.options.log(`${kind} informer: a handler failed on ${keyOf(obj)}: ${(err as Error).message}`);
            }
          }
          return true;
        },
        end: () => {},
      },
    );
  }

  stop(): void {
    this.handle?.stop();
  }
}

/** namespace/name, the key work is queued under. */
export const keyOf = (obj: KubeObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

export function splitKey(key: string): [namespace: string, name: string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
