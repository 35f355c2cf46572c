// What a page of a list at a past revision is, whatever the dialect: the current rows in key
// order merged with the state, at the revision, of every key changed since (the change log keeps
// each change's previous body), so a page sequence at one revision lists every object exactly
// once however many writes happen between pages, as etcd's MVCC reads do for kube-apiserver. The
// dialects (sqlite/listPage.ts, postgres/listPage.ts) only read the rows and count what is left.
import type { ChangeType, ListPage, ListPageOptions } from './objectStore.js';

export interface Key {
  namespace: string;
  name: string;
}

/** A key changed since the revision, with its state at it (null: it did not exist yet). */
export interface Undone extends Key {
  body: string | null;
}

const compareKeys = (a: Key, b: Key) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class PastPage {
  /** Rows come after this key. */
  readonly after: Key;
  /** Whether bodies are filtered (then the rest of the list is not counted: kube counts only unfiltered lists). */
  readonly filtered: boolean;
  readonly undone: Undone[] = [];
  private readonly accept?: (body: string) => boolean;
  private readonly limit: number;
  private readonly bodies: string[] = [];
  private last: Key | undefined;
  private more = false;
  private u = 0;
  private going = true;

  constructor(
    private readonly namespace: string | undefined,
    options: ListPageOptions,
  ) {
    const needles = options.containsAny;
    const accept = options.accept;
    this.accept = needles ? (body) => needles.some((n) => body.includes(n)) && (!accept || accept(body)) : accept;
    this.filtered = this.accept !== undefined;
    this.after = options.after ?? { namespace: namespace ?? '', name: '' };
    this.limit = options.limit && options.limit > 0 ? options.limit : Infinity;
  }

  /** A key's earliest change after the revision, in key order (the change log's undo query). */
  undo(row: Key & { event: ChangeType; prevBody: string | null }): void {
    if (this.namespace !== undefined && row.namespace !== this.namespace) return;
    if (compareKeys(row, this.after) <= 0) return;
    this.undone.push({ namespace: row.namespace, name: row.name, body: row.event === 'ADDED' ? null : row.prevBody });
  }

  /** The next current row, in key order; false once the page is full. */
  row(row: Key & { body: string }): boolean {
    const undone = this.undone;
    while (this.going && this.u < undone.length && compareKeys(undone[this.u], row) < 0) this.going = this.take(undone[this.u], undone[this.u++].body);
    if (!this.going) return false;
    if (this.u < undone.length && compareKeys(undone[this.u], row) === 0) this.going = this.take(row, undone[this.u++].body);
    else this.going = this.take(row, row.body);
    return this.going;
  }

  /** After the last row: the changed keys past it, then the page; `more` set when it is full. */
  end(revision: number): ListPage {
    while (this.going && this.u < this.undone.length) this.going = this.take(this.undone[this.u], this.undone[this.u++].body);
    const page: ListPage = { bodies: this.bodies, revision };
    if (this.more && this.last) page.more = this.last;
    return page;
  }

  /** Changed keys after `last` (for counting what remains). */
  undoneAfter(last: Key): Undone[] {
    return this.undone.filter((k) => compareKeys(k, last) > 0);
  }

  private take(key: Key, body: string | null): boolean {
    if (body === null) return true;
    if (this.bodies.length >= this.limit) {
      this.more = true;
      return false;
    }
    if (!this.accept || this.accept(body)) {
      this.bodies.push(body);
      this.last = { namespace: key.namespace, name: key.name };
    }
    return true;
  }
}
