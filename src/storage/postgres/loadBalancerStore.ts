// The fake cloud's LoadBalancerStore in PostgreSQL (tables in schema.ts), shared by every
// replica, so that the controller that takes over after a leader dies finds the load balancers
// its predecessor made. Each call is its own statement on the pool (autocommit).
import type pg from 'pg';
import type { Listener } from '../../cloud/cloudProvider.js';
import { AddressTaken, type AddressHolder, type LoadBalancerRow, type LoadBalancerStore } from '../../cloud/loadBalancerStore.js';

interface RawRow extends Omit<LoadBalancerRow, 'ports'> {
  ports: string;
}

const columns = `uid, namespace, name, profile, address_kind AS "addressKind", address, ports,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export class PostgresLoadBalancerStore implements LoadBalancerStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(uid: string): Promise<LoadBalancerRow | undefined> {
    const { rows } = await this.pool.query<RawRow>(`SELECT ${columns} FROM fake_cloud_load_balancers WHERE uid = $1`, [uid]);
    return rows[0] && decode(rows[0]);
  }

  async list(): Promise<LoadBalancerRow[]> {
    const { rows } = await this.pool.query<RawRow>(`SELECT ${columns} FROM fake_cloud_load_balancers ORDER BY namespace, name, uid COLLATE "C"`);
    return rows.map(decode);
  }

  async holderOf(address: string): Promise<AddressHolder | undefined> {
    const { rows } = await this.pool.query<AddressHolder>('SELECT uid, namespace, name FROM fake_cloud_load_balancers WHERE address = $1', [address]);
    return rows[0];
  }

  async ipAddresses(): Promise<string[]> {
    const { rows } = await this.pool.query<{ address: string }>("SELECT address FROM fake_cloud_load_balancers WHERE address_kind = 'ip'");
    return rows.map((r) => r.address);
  }

  async insert(row: LoadBalancerRow): Promise<void> {
    try {
      await this.pool.query(
        `INSERT INTO fake_cloud_load_balancers (uid, namespace, name, profile, address_kind, address, ports, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [row.uid, row.namespace, row.name, row.profile, row.addressKind, row.address, JSON.stringify(row.ports), row.createdAt, row.updatedAt],
      );
    } catch (err) {
      throw translate(err, row.address);
    }
  }

  async update(uid: string, address: string, ports: Listener[], updatedAt: string): Promise<void> {
    try {
      await this.pool.query('UPDATE fake_cloud_load_balancers SET address = $1, ports = $2, updated_at = $3 WHERE uid = $4', [
        address,
        JSON.stringify(ports),
        updatedAt,
        uid,
      ]);
    } catch (err) {
      throw translate(err, address);
    }
  }

  async remove(uid: string): Promise<boolean> {
    // One statement, so atomic without a transaction.
    const { rows } = await this.pool.query<{ removed: boolean }>(
      `WITH f AS (DELETE FROM fake_cloud_injected_failures WHERE uid = $1), lb AS (DELETE FROM fake_cloud_load_balancers WHERE uid = $1 RETURNING 1)
       SELECT count(*) = 1 AS removed FROM lb`,
      [uid],
    );
    return rows[0].removed;
  }

  async injectedFailures(uid: string): Promise<number> {
    const { rows } = await this.pool.query<{ failures: number }>('SELECT failures FROM fake_cloud_injected_failures WHERE uid = $1', [uid]);
    return rows[0]?.failures ?? 0;
  }

  async countInjectedFailure(uid: string): Promise<number> {
    const { rows } = await this.pool.query<{ failures: number }>(
      `INSERT INTO fake_cloud_injected_failures (uid, failures) VALUES ($1, 1)
       ON CONFLICT (uid) DO UPDATE SET failures = fake_cloud_injected_failures.failures + 1 RETURNING failures`,
      [uid],
    );
    return rows[0].failures;
  }
}

function decode(raw: RawRow): LoadBalancerRow {
  return { ...raw, ports: JSON.parse(raw.ports) as Listener[] };
}

function translate(err: unknown, address: string): unknown {
  // Only the address column is UNIQUE besides the uid.
  if ((err as { code?: string }).code === '23505') return new AddressTaken(`${address} is already held by another load balancer`);
  return err;
}
