// The allocation repair controller, as kube-apiserver's (pkg/registry/core/service/
// ipallocator/controller/repair.go and portallocator/controller/repair.go): compare what the
// Services hold with the allocations table and make the table agree.
//
// Allocations commit with their Service in one SQLite transaction, so a mismatch means
// someone edited the database, an older build had a bug, or the configured ranges changed.
// That is also why a leak is cleaned at once: kube waits several runs before freeing a leak
// because its allocator and etcd can disagree for a moment, ours cannot.
import type { Service } from '../model/service.js';
import { needsClusterIP, needsHealthCheckNodePort, needsNodePort, serviceNodePorts } from '../registry/serviceStrategy.js';
import type { AllocationRow, ObjectStore, ReadTx } from '../storage/objectStore.js';
import { canonicalIP, familyOfIP, type IPRange, type PortRange } from './ipRange.js';
import { nodePortPool } from './nodePortAllocator.js';
import { serviceIPPool } from './serviceIPAllocator.js';

/** One pool the server is configured with: what is in range, and how to name the range. */
export interface ConfiguredPool {
  pool: string;
  kind: 'clusterIP' | 'nodePort';
  inRange(value: string): boolean;
  range: string;
}

/** The pools a configuration serves: one per service CIDR, and the node ports. */
export function configuredPools(serviceCIDRs: readonly IPRange[], nodePorts: PortRange): ConfiguredPool[] {
  return [
    ...serviceCIDRs.map((r) => ({ pool: serviceIPPool(r.family), kind: 'clusterIP' as const, inRange: (v: string) => r.contains(v), range: r.cidr })),
    { pool: nodePortPool, kind: 'nodePort' as const, inRange: (v: string) => nodePorts.offsetOf(v) !== undefined, range: String(nodePorts) },
  ];
}

/**
 * What a run found, by kube's metric types: `leak` (a row nobody holds, freed), `repair` (a
 * value a Service holds with no row, or a row under the wrong owner, fixed), `duplicate` (two
 * Services hold one value: reported, someone must recreate one), `outOfRange` (held outside the
 * configured range, after a configuration change: reported, kept, never handed out again).
 */
export type FindingType = 'leak' | 'repair' | 'duplicate' | 'outOfRange';

export interface Holder {
  namespace: string;
  name: string;
  uid: string;
}

export interface Finding {
  type: FindingType;
  kind: 'clusterIP' | 'nodePort';
  pool: string;
  value: string;
  message: string;
  /** The row to delete (leak, or a wrong owner's row) and the one to insert (repair). */
  remove?: AllocationRow;
  insert?: AllocationRow;
}

/** What a Service holds, by the same rules the allocation hook allocates with. */
function claims(svc: Service): { pool: string; value: string }[] {
  const out: { pool: string; value: string }[] = [];
  if (needsClusterIP(svc) && svc.spec?.clusterIPs?.[0] !== 'None') {
    for (const ip of svc.spec?.clusterIPs ?? []) {
      const family = familyOfIP(ip);
      if (family) out.push({ pool: serviceIPPool(family), value: canonicalIP(ip) });
    }
  }
  if (needsNodePort(svc)) for (const port of serviceNodePorts(svc)) out.push({ pool: nodePortPool, value: String(port) });
  if (needsHealthCheckNodePort(svc) && svc.spec?.healthCheckNodePort) out.push({ pool: nodePortPool, value: String(svc.spec.healthCheckNodePort) });
  return out;
}

const what = (kind: Finding['kind']) => (kind === 'clusterIP' ? 'cluster IP' : 'node port');
const rangeWord = (kind: Finding['kind']) => (kind === 'clusterIP' ? 'service CIDR' : 'node port range');
const kindOf = (pool: string): Finding['kind'] => (pool === nodePortPool ? 'nodePort' : 'clusterIP');

// About 3 ms of work on this machine: a request arriving during a pass waits at most that long.
const chunk = 500;
const keyOf = (pool: string, value: string) => `${pool}\0${value}`;
/** Ends a pass that is planning when the controller stops. */
const stoppedError = new Error('repair stopped');

/**
 * Compares the Services with the allocations table, changing nothing, in chunks, with `pause`
 * between them so that a caller on the event loop can let requests through. The pass is not a
 * snapshot; applyRepair re-checks each finding against the state at that moment.
 */
export async function planRepair(store: ObjectStore, configured: readonly ConfiguredPool[], pause: () => Promise<void> = async () => {}): Promise<Finding[]> {
  const pools = new Map(configured.map((p) => [p.pool, p]));
  const holders = new Map<string, Holder[]>();
  for (let after = { namespace: '', name: '' }; ; ) {
    const page = await store.scanObjects('services', after, chunk);
    for (const obj of page) {
      const holder = { namespace: obj.namespace, name: obj.name, uid: obj.uid };
      for (const c of claims(JSON.parse(obj.body) as Service)) {
        const k = keyOf(c.pool, c.value);
        const list = holders.get(k);
        if (list) list.push(holder);
        else holders.set(k, [holder]);
      }
    }
    if (page.length < chunk) break;
    after = page[page.length - 1];
    await pause();
  }
  const rows = new Map<string, AllocationRow>();
  for (let after = { pool: '', value: '' }; ; ) {
    const page = await store.scanAllocations(after, chunk);
    for (const row of page) rows.set(keyOf(row.pool, row.value), row);
    if (page.length < chunk) break;
    after = page[page.length - 1];
    await pause();
  }

  const findings: Finding[] = [];
  const name = (h: Holder) => `${h.namespace}/${h.name}`;
  let done = 0;
  for (const [k, list] of holders) {
    if (++done % chunk === 0) await pause();
    const [pool, value] = k.split('\0');
    const kind = kindOf(pool);
    const config = pools.get(pool);
    const row = rows.get(k);
    const first = list[0];
    if (list.length > 1) {
      findings.push({
        type: 'duplicate',
        kind,
        pool,
        value,
        message: `the ${what(kind)} ${value} for service ${list.map(name).join(' and service ')} was assigned to multiple services; please recreate`,
      });
    }
    if (!config?.inRange(value)) {
      const range = config ? `the ${rangeWord(kind)} ${config.range}` : `any configured ${rangeWord(kind)} (its family is not configured)`;
      findings.push({
        type: 'outOfRange',
        kind,
        pool,
        value,
        message: `the ${what(kind)} ${value} for service ${name(first)} is not within ${range}; the service keeps it and it will not be handed out again`,
      });
    }
    const owner = row && list.find((h) => h.uid === row.uid);
    if (!row || !owner) {
      const insert: AllocationRow = { pool, value, resource: 'services', ...first };
      findings.push(
        row
          ? {
              type: 'repair',
              kind,
              pool,
              value,
              remove: row,
              insert,
              message: `the ${what(kind)} ${value} for service ${name(first)} was recorded for ${row.namespace}/${row.name} (uid ${row.uid}); repairing`,
            }
          : { type: 'repair', kind, pool, value, insert, message: `the ${what(kind)} ${value} for service ${name(first)} was not allocated; repairing` },
      );
    }
  }
  for (const [k, row] of rows) {
    if (++done % chunk === 0) await pause();
    if (holders.has(k)) continue;
    const kind = kindOf(row.pool);
    findings.push({
      type: 'leak',
      kind,
      pool: row.pool,
      value: row.value,
      remove: row,
      message: `the ${what(kind)} ${row.value} (recorded for ${row.namespace}/${row.name}) appears to have leaked: cleaning up`,
    });
  }
  return findings;
}

/** The whole comparison at once: for a stopped server's database (svcplane repair). */
/** Whether the Service stored under `holder`'s name is still that Service and still holds the value. */
async function stillHolds(tx: ReadTx, holder: Holder, pool: string, value: string): Promise<boolean> {
  const current = await tx.get({ resource: 'services', namespace: holder.namespace, name: holder.name });
  if (!current || current.uid !== holder.uid) return false;
  return claims(JSON.parse(current.body) as Service).some((c) => c.pool === pool && c.value === value);
}

/**
 * Applies a plan's fixes in one transaction, each only if it still holds: the plan may be
 * older than the writes made while it was being drawn up. Returns the fixes made.
 */
export async function applyRepair(store: ObjectStore, findings: readonly Finding[]): Promise<Finding[]> {
  const applied: Finding[] = [];
  await store.transaction(async (tx) => {
    for (const f of findings) {
      if (!f.remove && !f.insert) continue;
      const row = await tx.allocation(f.pool, f.value);
      if (f.type === 'leak') {
        if (!row || row.uid !== f.remove!.uid || (await stillHolds(tx, row, f.pool, f.value))) continue;
      } else {
        const holder = f.insert!;
        if (!(await stillHolds(tx, holder, f.pool, f.value))) continue;
        if (f.remove ? row?.uid !== f.remove.uid || (await stillHolds(tx, row, f.pool, f.value)) : row) continue;
      }
      if (f.remove) await tx.release(f.remove.pool, f.remove.value, f.remove.uid);
      if (f.insert) await tx.allocate(f.insert);
      applied.push(f);
    }
  });
  return applied;
}

export interface RepairControllerOptions {
  pools(): ConfiguredPool[];
  /** Refreshes the in-memory allocators from the table after a fix. */
  reload(): Promise<void>;
  log(finding: Finding): void;
  count(finding: Finding): void;
  /** A run that failed (the database went away): logged, and the next run tries again. */
  error(err: unknown): void;
}

/** Runs after start and on a timer, as kube-apiserver's repair loops (every 3 minutes by default). */
export class RepairController {
  private timer?: NodeJS.Timeout;
  private running?: Promise<Finding[]>;
  private latest?: Promise<Finding[]>;
  private stopped = false;
  /** What cannot be fixed is logged once per process, not at every run. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: RepairControllerOptions,
  ) {}

  /**
   * One pass: plan in chunks (requests are served between them), then apply what still holds.
   * A run already under way is shared, not doubled.
   */
  run(): Promise<Finding[]> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    this.latest = this.running;
    return this.running;
  }

  /** The most recent run (the one at start, until the timer fires): what it found and fixed. */
  lastRun(): Promise<Finding[]> | undefined {
    return this.latest;
  }

  private async pass(): Promise<Finding[]> {
    if (this.stopped) return [];
    let findings: Finding[];
    try {
      findings = await planRepair(this.store, this.options.pools(), async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) throw stoppedError;
      });
    } catch (err) {
      if (err === stoppedError) return [];
      throw err;
    }
    const applied = new Set(await applyRepair(this.store, findings));
    for (const f of findings) {
      const fixable = f.type === 'leak' || f.type === 'repair';
      if (fixable && !applied.has(f)) continue;
      this.options.count(f);
      const key = `${f.type}\0${f.pool}\0${f.value}`;
      if (fixable || !this.reported.has(key)) this.options.log(f);
      if (!fixable) this.reported.add(key);
    }
    if (applied.size > 0) await this.options.reload();
    return findings.filter((f) => (f.type !== 'leak' && f.type !== 'repair') || applied.has(f));
  }

  start(intervalMs: number): void {
    const runLogged = () => {
      this.run().catch((err: unknown) => this.options.error(err));
    };
    // After the current turn, so that starting up never waits on a chunk of the pass.
    const first = new Promise<Finding[]>((resolve) => setImmediate(() => resolve(this.run())));
    this.latest = first;
    first.catch((err: unknown) => this.options.error(err));
    if (intervalMs <= 0) return;
    this.timer = setInterval(runLogged, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
