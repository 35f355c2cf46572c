// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection package
// does it (tools/leaderelection/leaderelection.go, tryAcquireOrRenew): the leader renews the
// Lease every retry period; a candidate takes it over only once the record it last observed
// has not changed for leaseDurationSeconds by its own clock (never by comparing the holder's
// renewTime with its clock, so clock skew between replicas does not matter); every write is
// guarded by the Lease's resourceVersion, so of two candidates one wins and the other gets a
// 409. A leader that cannot renew within the renew deadline stops leading before anyone else
// may take over (renewDeadline < leaseDuration). Writes go through the Lease registry like any
// client's.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Lease } from '../model/lease.js';
import type { GenericStore } from '../registry/generic/store.js';
import { StatusError } from '../registry/errors.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const leaderElectionDefaults = {
  namespace: 'kube-system',
  name: 'svcplane-controllers',
  // client-go's (and kube-controller-manager's) defaults.
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export const defaultIdentity = () => `${hostname()}_${randomUUID()}`;

export interface LeaderCallbacks {
  onStartedLeading(): Promise<void> | void;
  onStoppedLeading(): Promise<void> | void;
  log(message: string): void;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private observed: { resourceVersion: string; at: number } | undefined;
  private lastRenew = 0;
  private cycle: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: GenericStore<Lease>,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly now: () => number = Date.now,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.cycle = this.step().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.retryPeriodMs);
      });
    };
    tick();
  }

  private async step(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.callbacks.log(`leader election: ${(err as Error).message}`);
    }
    if (ok) {
      this.lastRenew = this.now();
      if (!this.leading) {
        this.leading = true;
        this.callbacks.log(`leader election: ${this.options.identity} leads ${this.options.namespace}/${this.options.name}`);
        await this.callbacks.onStartedLeading();
      }
    } else if (this.leading && this.now() - this.lastRenew > this.options.renewDeadlineMs) {
      this.leading = false;
      this.callbacks.log(`leader election: ${this.options.identity} failed to renew within the deadline and stops leading`);
      await this.callbacks.onStoppedLeading();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.now();
    const durationSeconds = Math.round(this.options.leaseDurationMs / 1000);
    let current: Lease | undefined;
    try {
      current = await this.leases.get(namespace, name);
    } catch (err) {
      if (!(err instanceof StatusError && err.status.code === 404)) throw err;
    }
    if (!current) {
      try {
        await this.leases.create(namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (err) {
        if (err instanceof StatusError && err.status.code === 409) return false;
        throw err;
      }
    }
    const rv = current.metadata?.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== rv) this.observed = { resourceVersion: rv, at: now };
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const iHold = holder === identity;
    const expiresAt = this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && !iHold && expiresAt > now) return false;
    const next: Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: microTime(now),
        acquireTime: iHold ? spec.acquireTime : microTime(now),
        leaseTransitions: iHold ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      const { object } = await this.leases.update(namespace, name, next);
      this.observed = { resourceVersion: object.metadata?.resourceVersion ?? '', at: now };
      return true;
    } catch (err) {
      if (err instanceof StatusError && (err.status.code === 409 || err.status.code === 404)) return false;
      throw err;
    }
  }

  /** Stops campaigning; a leader gives the Lease up (client-go's ReleaseOnCancel) so another takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.cycle;
    if (!this.leading) return;
    this.leading = false;
    await this.callbacks.onStoppedLeading();
    try {
      const current = await this.leases.get(this.options.namespace, this.options.name);
      if (current.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.now());
      await this.leases.update(this.options.namespace, this.options.name, {
        ...current,
        spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
    } catch (err) {
      this.callbacks.log(`leader election: releasing the lease failed: ${(err as Error).message}`);
    }
  }
}
