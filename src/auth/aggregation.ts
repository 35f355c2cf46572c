// kube's clusterrole-aggregation controller (pkg/controller/clusterroleaggregation): a ClusterRole
// with an aggregationRule gets, as its rules, the rules of every other ClusterRole its selectors
// match, written into the object. It runs at start (before the server serves) and after every
// commit that touches a ClusterRole; its own writes settle after one more pass.
import type { ClusterRole, PolicyRule } from '../model/rbac.js';
import type { GenericStore } from '../registry/generic/store.js';
import type { ObjectStore } from '../storage/objectStore.js';
import { selectorMatches } from './rbac.js';

export class ClusterRoleAggregation {
  private scheduled = false;
  private running: Promise<void> = Promise.resolve();
  private stopListening: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly roles: GenericStore<ClusterRole>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Passes until nothing changes (aggregated roles may select aggregated roles: admin takes edit's). */
  async reconcile(): Promise<void> {
    for (let pass = 0; pass < 10; pass++) if (!(await this.pass())) return;
  }

  private async pass(): Promise<boolean> {
    const { items } = await this.roles.list(undefined);
    items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    let changed = false;
    for (const role of items) {
      const selectors = role.aggregationRule?.clusterRoleSelectors;
      if (!selectors?.length) continue;
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const other of items) {
        if (other.metadata?.name === role.metadata?.name) continue;
        if (!selectors.some((s) => selectorMatches(s, other.metadata?.labels ?? {}))) continue;
        for (const r of other.rules ?? []) {
          const k = JSON.stringify(r);
          if (!seen.has(k)) {
            seen.add(k);
            rules.push(r);
          }
        }
      }
      if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
      await this.roles.update('', role.metadata!.name!, { ...role, rules });
      changed = true;
    }
    return changed;
  }

  start(): void {
    this.stopListening = this.store.onCommitted((changes) => {
      if (!this.scheduled && !this.stopped && changes.some((c) => c.resource === 'clusterroles')) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (this.stopped) return;
          // A write that raced this pass (a 409) changed a ClusterRole, which schedules another.
          this.running = this.running.then(() => this.reconcile()).catch((err: Error) => this.log(`clusterrole aggregation failed: ${err.message}`));
        });
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    await this.running;
  }
}
