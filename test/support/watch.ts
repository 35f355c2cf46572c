// A minimal watch client for tests: one streaming GET, its newline-delimited events parsed as
// they arrive, and `next()` to await each in order (failing after a timeout, never sleeping blindly).
import http from 'node:http';

export interface WatchEventJSON {
  type: string;
  object: Record<string, any>;
}

export interface TestWatch {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The next event; rejects after `timeoutMs` with the events seen so far in the message. */
  next(timeoutMs?: number): Promise<WatchEventJSON>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  events: WatchEventJSON[];
  close(): void;
}

export function openWatch(url: string, headers: Record<string, string> = {}): Promise<TestWatch> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const events: WatchEventJSON[] = [];
      let buffer = '';
      let read = 0;
      let wake: (() => void) | undefined;
      let done = false;
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line) as WatchEventJSON);
        }
        wake?.();
      });
      const finish = () => {
        done = true;
        endedResolve();
        wake?.();
      };
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        ended,
        close: () => req.destroy(),
        async next(timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (read >= events.length) {
            if (done) throw new Error(`stream ended after ${events.length} events: ${JSON.stringify(events.map((e) => e.type))}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; seen: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`);
            await new Promise<void>((r) => {
              const timer = setTimeout(r, left);
              wake = () => {
                clearTimeout(timer);
                r();
              };
            });
            wake = undefined;
          }
          return events[read++];
        },
      });
    });
    req.on('error', reject);
  });
}
