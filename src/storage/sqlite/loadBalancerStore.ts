// The fake cloud's LoadBalancerStore in SQLite: its tables (migrations/003_fake_cloud.sql) and all
// of their SQL, as all of the object store's is in objectStore.ts. Calls answer settled Promises.
import { AddressTaken, type AddressHolder, type LoadBalancerRow, type LoadBalancerStore } from '../../cloud/loadBalancerStore.js';
import type { Listener } from '../../cloud/cloudProvider.js';
import type { SqliteDatabase } from './database.js';

interface RawRow extends Omit<LoadBalancerRow, 'ports'> {
  ports: string;
}

const columns = `uid, namespace, name, profile, address_kind AS addressKind, address, ports,
  created_at AS createdAt, updated_at AS updatedAt`;

export class SqliteLoadBalancerStore implements LoadBalancerStore {
  private readonly stmts;

  /**
   * `beforeWrite` commits the API server's open group commit (ObjectStore.flush) first: the
   * cloud is another system, so its writes commit on their own, never inside the API server's
   * batch, where a failed COMMIT would take them along.
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly beforeWrite: () => void = () => {},
  ) {
    this.stmts = {
      get: db.prepare(`SELECT ${columns} FROM fake_cloud_load_balancers WHERE uid = ?`),
      list: db.prepare(`SELECT ${columns} FROM fake_cloud_load_balancers ORDER BY namespace, name, uid`),
      holder: db.prepare('SELECT uid, namespace, name FROM fake_cloud_load_balancers WHERE address = ?'),
      ips: db.prepare("SELECT address FROM fake_cloud_load_balancers WHERE address_kind = 'ip'").pluck(),
      insert: db.prepare(`INSERT INTO fake_cloud_load_balancers
        (uid, namespace, name, profile, address_kind, address, ports, created_at, updated_at)
        VALUES (@uid, @namespace, @name, @profile, @addressKind, @address, @ports, @createdAt, @updatedAt)`),
      update: db.prepare('UPDATE fake_cloud_load_balancers SET address = ?, ports = ?, updated_at = ? WHERE uid = ?'),
      remove: db.prepare('DELETE FROM fake_cloud_load_balancers WHERE uid = ?'),
      failures: db.prepare('SELECT failures FROM fake_cloud_injected_failures WHERE uid = ?').pluck(),
      countFailure: db
        .prepare(`INSERT INTO fake_cloud_injected_failures (uid, failures) VALUES (?, 1)
        ON CONFLICT (uid) DO UPDATE SET failures = failures + 1 RETURNING failures`)
        .pluck(),
      forgetFailures: db.prepare('DELETE FROM fake_cloud_injected_failures WHERE uid = ?'),
    };
  }

  async get(uid: string): Promise<LoadBalancerRow | undefined> {
    const raw = this.stmts.get.get(uid) as RawRow | undefined;
    return raw && decode(raw);
  }

  async list(): Promise<LoadBalancerRow[]> {
    return (this.stmts.list.all() as RawRow[]).map(decode);
  }

  async holderOf(address: string): Promise<AddressHolder | undefined> {
    return this.stmts.holder.get(address) as AddressHolder | undefined;
  }

  async ipAddresses(): Promise<string[]> {
    return this.stmts.ips.all() as string[];
  }

  async insert(row: LoadBalancerRow): Promise<void> {
    this.beforeWrite();
    try {
      this.stmts.insert.run({ ...row, ports: JSON.stringify(row.ports) });
    } catch (err) {
      throw translate(err, row.address);
    }
  }

  async update(uid: string, address: string, ports: Listener[], updatedAt: string): Promise<void> {
    this.beforeWrite();
    try {
      this.stmts.update.run(address, JSON.stringify(ports), updatedAt, uid);
    } catch (err) {
      throw translate(err, address);
    }
  }

  async remove(uid: string): Promise<boolean> {
    this.beforeWrite();
    return this.db.transaction(() => {
      this.stmts.forgetFailures.run(uid);
      return this.stmts.remove.run(uid).changes === 1;
    })();
  }

  async injectedFailures(uid: string): Promise<number> {
    return Number(this.stmts.failures.get(uid) ?? 0);
  }

  async countInjectedFailure(uid: string): Promise<number> {
    this.beforeWrite();
    return Number(this.stmts.countFailure.get(uid));
  }
}

function decode(raw: RawRow): LoadBalancerRow {
  return { ...raw, ports: JSON.parse(raw.ports) as Listener[] };
}

function translate(err: unknown, address: string): unknown {
  const code = (err as { code?: string }).code;
  // Only the address column is UNIQUE; a second row for one uid would be a bug, left as is.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return new AddressTaken(`${address} is already held by another load balancer`);
  return err;
}
