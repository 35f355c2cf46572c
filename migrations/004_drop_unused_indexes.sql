-- Every write paid for two secondary indexes that no query needs, a third of a create's commit
-- (an isolated benchmark of the create transaction: 8,600/s with them, 15,000/s without):
-- the change log is read by revision ranges, which its rowid (the revision) already orders, and
-- it is bounded by --watch-history; allocations are found and freed by (pool, value), their key.
DROP INDEX IF EXISTS change_log_by_resource;
DROP INDEX IF EXISTS allocations_by_owner;
