-- The fake cloud's own state. A real cloud keeps its load balancers apart from the cluster, and
-- they outlive a restart of the controller that made them; so does this table, which only the
-- fake cloud reads or writes. Keyed by the Service uid: a Service recreated under the same name
-- has a new uid and gets a new load balancer, as with a real cloud provider.
CREATE TABLE fake_cloud_load_balancers (
  uid          TEXT NOT NULL PRIMARY KEY,
  namespace    TEXT NOT NULL,
  name         TEXT NOT NULL,
  profile      TEXT NOT NULL CHECK (profile IN ('aws', 'gcp', 'azure', 'metallb')),
  address_kind TEXT NOT NULL CHECK (address_kind IN ('hostname', 'ip')),
  -- A DNS name (aws) or an IPv4 address from the pool (the other profiles). UNIQUE makes a
  -- double allocation of an IP impossible whatever the in-memory bookkeeping believes; a
  -- hostname carries the uid-derived load balancer name, so it is unique anyway.
  address      TEXT NOT NULL UNIQUE,
  -- JSON array of {name?, protocol, port, nodePort?}: what the load balancer forwards.
  ports        TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) WITHOUT ROWID;

-- How many failures the svcplane.dev/fake-lb-fail annotation has injected per Service uid, kept
-- here so that "fail 3 times" means 3 across restarts too. Kept apart from the load balancers
-- because the failures happen before there is a load balancer.
CREATE TABLE fake_cloud_injected_failures (
  uid      TEXT NOT NULL PRIMARY KEY,
  failures INTEGER NOT NULL
) WITHOUT ROWID;
