-- One row per live object, whatever its resource. The body is the JSON a GET returns, so reads
-- serve it without re-serialising. Cluster-scoped objects (namespaces) use namespace ''.
CREATE TABLE objects (
  resource         TEXT    NOT NULL,
  namespace        TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  uid              TEXT    NOT NULL,
  resource_version INTEGER NOT NULL,
  body             TEXT    NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;

-- The ordered change log (the kine idea): every write appends one row in the same transaction
-- as the object, and its revision is the object's new resourceVersion. Watch streams read
-- "revision > N"; old rows are pruned to a window.
CREATE TABLE change_log (
  revision  INTEGER PRIMARY KEY,
  resource  TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  event     TEXT NOT NULL CHECK (event IN ('ADDED', 'MODIFIED', 'DELETED')),
  body      TEXT NOT NULL
);

-- Every cluster IP and node port held by an object. The primary key is what makes a double
-- allocation impossible, whatever the in-memory allocator believes.
CREATE TABLE allocations (
  pool      TEXT NOT NULL,
  value     TEXT NOT NULL,
  resource  TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  uid       TEXT NOT NULL,
  PRIMARY KEY (pool, value)
) WITHOUT ROWID;
CREATE INDEX allocations_by_owner ON allocations (uid);

-- Small durable facts, such as the lowest revision still in the change log.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
