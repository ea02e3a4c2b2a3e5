/**
 * Versioned schema of the SQLite store. `PRAGMA user_version` records how many
 * migrations have run; each runs once, inside a transaction, in order.
 *
 * Layout: one JSON document per (account, region, instance, type) in `items`: ingest
 * and deletion touch one row per item instead of one per content entry.
 */
export const sqliteMigrations: string[] = [
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE instances (
    account     TEXT NOT NULL,
    region      TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}',
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (account, region, instance_id)
  ) WITHOUT ROWID;

  CREATE TABLE types (
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    type_name        TEXT NOT NULL,
    version          TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'deleted')),
    disabled_version TEXT,
    hidden_seq       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, type_name)
  ) WITHOUT ROWID;

  CREATE TABLE sub_types (
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    type_name TEXT NOT NULL,
    sub_type  TEXT NOT NULL,
    PRIMARY KEY (account, region, type_name, sub_type)
  ) WITHOUT ROWID;

  CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    instance_id    TEXT NOT NULL,
    type_name      TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    capture_time   TEXT NOT NULL,
    content_hash   TEXT,
    content        TEXT NOT NULL,
    context        TEXT,
    entry_count    INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    UNIQUE (account, region, instance_id, type_name)
  );
  CREATE INDEX items_by_type ON items (account, region, type_name, seq);

  CREATE TABLE deletions (
    deletion_id     TEXT PRIMARY KEY,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    type_name       TEXT NOT NULL,
    option          TEXT,
    client_token    TEXT,
    params_digest   TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('InProgress', 'Complete')),
    start_time      INTEGER NOT NULL,
    last_update     INTEGER NOT NULL,
    ordinal         INTEGER NOT NULL,
    lower_seq       INTEGER NOT NULL,
    cutoff_seq      INTEGER NOT NULL,
    total_count     INTEGER NOT NULL,
    remaining_count INTEGER NOT NULL,
    versions        TEXT NOT NULL,
    entries_deleted INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_expires   INTEGER
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX deletions_by_token ON deletions (account, region, client_token) WHERE client_token IS NOT NULL;
  CREATE INDEX deletions_newest_first ON deletions (account, region, start_time DESC, ordinal DESC);
  CREATE INDEX deletions_in_progress ON deletions (status, lease_expires) WHERE status = 'InProgress';
  CREATE INDEX deletions_by_type ON deletions (account, region, type_name, status);
  `,
  // 2: the index of a type's items by seq also holds each item's schema version and entry
  // count, so the counts a deletion starts with and keeps (per version, per batch) are read
  // from the index alone instead of one table row per item. Counting 300,000 items took
  // ~450 ms through the rows and ~130-160 ms from the index, and far longer through the rows
  // on a connection whose page cache does not hold them yet (a query thread's).
  `
  DROP INDEX items_by_type;
  CREATE INDEX items_by_type ON items (account, region, type_name, seq, schema_version, entry_count);
  `,
]
