// The bytes of a watch stream. At informer scale the cost of fan-out is not encoding but one
// socket write per watcher per event (1,000 watchers x 200 writes/s is 200,000 syscalls a
// second), so a stream collects the events that arrive in one turn of the event loop and writes
// them with a single write. An event's JSON line is framed as an HTTP/1.1 chunk once and the same
// Buffer goes to every watcher that sends it, so a busy fan-out copies nothing per watcher.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** `line` (JSON text, or protobuf frames) as one HTTP/1.1 chunk: hex length, CRLF, data, CRLF. */
export function chunkFrame(line: string | Buffer): Buffer {
  const size = typeof line === 'string' ? Buffer.byteLength(line) : line.length;
  const head = `${size.toString(16)}\r\n`;
  const buf = Buffer.allocUnsafe(head.length + size + 2);
  buf.write(head, 0, 'latin1');
  if (typeof line === 'string') buf.write(line, head.length, 'utf8');
  else line.copy(buf, head.length);
  buf.write('\r\n', head.length + size, 'latin1');
  return buf;
}

/**
 * Streams with something to write. One flush writes them all after the current I/O phase, so
 * what arrives together goes out together. Under load the flushes are also spaced: after a flush
 * that took d ms the next waits d ms (10 at most), so writing takes about half the event loop and each
 * stream gathers more events into its next write. One watcher (kubectl get -w) is written at
 * once; with a thousand informers the syscalls, and the wake-ups of every reader, stay bounded
 * whatever the write rate, while each event still goes out within a few flush times.
 *
 * A flush writes `sliceSize` streams a turn and lets I/O run between slices: writing to a
 * thousand sockets takes milliseconds, and a write's own database round trips (several for a
 * PATCH on PostgreSQL) would otherwise each wait behind a whole flush.
 */
class FlushQueue {
  private dirty: WatchStream[] = [];
  private scheduled = false;
  private nextFlushAt = 0;

  add(stream: WatchStream): void {
    this.dirty.push(stream);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.nextFlushAt - performance.now();
    if (wait < 1) setImmediate(() => this.flushAll());
    else setTimeout(() => this.flushAll(), wait);
  }

  private flushAll(): void {
    const streams = this.dirty;
    this.dirty = [];
    // Streams that joined at the same revision hold the same chunks; join them once.
    this.flushSlices(streams, 0, new Map<Buffer, Joined>(), 0);
  }

  /** `busy`: ms spent writing so far in this flush, not counting the I/O let in between. */
  private flushSlices(streams: WatchStream[], from: number, joined: Map<Buffer, Joined>, busy: number): void {
    const started = performance.now();
    const to = Math.min(streams.length, from + sliceSize);
    for (let i = from; i < to; i++) streams[i].flush(joined);
    const ended = performance.now();
    busy += ended - started;
    if (to < streams.length) {
      setImmediate(() => this.flushSlices(streams, to, joined, busy));
      return;
    }
    // Streams that got an event during the flush were added meanwhile; they wait their turn.
    this.scheduled = false;
    this.nextFlushAt = ended + Math.min(busy, maxSpacingMs);
    const waiting = this.dirty;
    if (waiting.length > 0) {
      this.dirty = [];
      for (const s of waiting) this.add(s);
    }
  }
}

/** Streams written in one turn of the event loop. */
const sliceSize = 100;

/** A slow flush (a GC pause in it) must not hold the next one back for as long. */
const maxSpacingMs = 10;

const queue = new FlushQueue();

interface Joined {
  chunks: Buffer[];
  bytes: Buffer;
}

function sameChunks(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class WatchStream {
  private pending: Buffer[] = [];
  private pendingLines: (string | Buffer)[] = [];
  private pendingBytes = 0;
  private closed = false;
  /**
   * Whether chunks go straight to the socket. They can once the response's headers are on the
   * socket and it is this response's socket; otherwise (never seen with real clients, but HTTP
   * pipelining allows it) lines go through res.write and Node frames them.
   */
  private readonly socket: Socket | null;

  constructor(private readonly res: ServerResponse) {
    res.flushHeaders();
    const socket = res.socket;
    const owned = socket !== null && (socket as Socket & { _httpMessage?: unknown })._httpMessage === res;
    this.socket = owned && res.writableLength === socket.writableLength ? socket : null;
    res.on('close', () => {
      this.closed = true;
      this.pending = [];
      this.pendingLines = [];
    });
  }

  /** Bytes written but not yet taken by the kernel: how far the reader is behind. */
  get backlog(): number {
    return this.pendingBytes + this.res.writableLength;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues one event: `line` is its JSON text with newline (or its protobuf frame), `frame` that line as a chunk. */
  write(line: string | Buffer, frame: () => Buffer): void {
    if (this.closed) return;
    if (this.pending.length === 0 && this.pendingLines.length === 0) queue.add(this);
    if (this.socket) {
      const f = frame();
      this.pending.push(f);
      this.pendingBytes += f.length;
    } else {
      this.pendingLines.push(line);
      this.pendingBytes += line.length;
    }
  }

  flush(joined?: Map<Buffer, Joined>): void {
    if (this.closed) return;
    const socket = this.socket;
    if (socket && this.pending.length) {
      const chunks = this.pending;
      this.pending = [];
      if (chunks.length === 1) socket.write(chunks[0]);
      else {
        let same = joined?.get(chunks[0]);
        if (!same || !sameChunks(same.chunks, chunks)) {
          same = { chunks, bytes: Buffer.concat(chunks) };
          joined?.set(chunks[0], same);
        }
        socket.write(same.bytes);
      }
    } else if (this.pendingLines.length) {
      const lines = this.pendingLines;
      this.res.write(
        lines.every((l) => typeof l === 'string') ? lines.join('') : Buffer.concat(lines.map((l) => (typeof l === 'string' ? Buffer.from(l) : l))),
      );
      this.pendingLines = [];
    }
    this.pendingBytes = 0;
  }

  /** Writes what is queued, then the last chunk; the connection stays usable for the next request. */
  end(last?: string | Buffer): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (last === undefined) this.res.end();
    else if (this.socket) {
      this.socket.write(chunkFrame(last));
      this.res.end();
    } else this.res.end(last);
  }
}
