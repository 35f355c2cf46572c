-- Watch and consistent pagination need each change's previous state: a watcher with a selector
-- turns a MODIFIED into ADDED or DELETED when the object starts or stops matching, and a
-- paginated list reconstructs the objects as they were at its snapshot revision by undoing
-- the changes made since (kube-apiserver gets both from etcd's MVCC history).
ALTER TABLE change_log ADD COLUMN prev_body TEXT;
CREATE INDEX change_log_by_resource ON change_log (resource, revision);

-- Rows written before this migration have no previous state, so history starts after them:
-- a watch or list from an older revision gets 410 Expired and the client re-lists.
INSERT OR REPLACE INTO settings (key, value)
  VALUES ('compacted_revision', (SELECT CAST(coalesce(max(revision), 0) AS TEXT) FROM change_log));
