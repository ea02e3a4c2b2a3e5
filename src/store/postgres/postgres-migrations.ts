/**
 * Versioned schema of the PostgreSQL store, inside its own schema (`?schema=` of the
 * database URL). Migrations run in one transaction holding an advisory lock, so several
 * nodes starting at once migrate once. Text keys use the "C" collation: ordering and
 * comparisons are by code point, as in the SQLite store.
 *
 * Content is `json` (kept as written, key order included), so pages can be spliced into
 * responses as stored; queries read it with json_array_elements.
 */
export const postgresMigrations: string[] = [
  `
  CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE SEQUENCE item_seq;

  CREATE TABLE instances (
    account     TEXT COLLATE "C" NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    instance_id TEXT COLLATE "C" NOT NULL,
    status      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}',
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    PRIMARY KEY (account, region, instance_id)
  );

  CREATE TABLE types (
    account          TEXT COLLATE "C" NOT NULL,
    region           TEXT COLLATE "C" NOT NULL,
    type_name        TEXT COLLATE "C" NOT NULL,
    version          TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'deleted')),
    disabled_version TEXT,
    hidden_seq       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, region, type_name)
  );

  CREATE TABLE sub_types (
    account   TEXT COLLATE "C" NOT NULL,
    region    TEXT COLLATE "C" NOT NULL,
    type_name TEXT COLLATE "C" NOT NULL,
    sub_type  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account, region, type_name, sub_type)
  );

  CREATE TABLE items (
    id             BIGSERIAL PRIMARY KEY,
    account        TEXT COLLATE "C" NOT NULL,
    region         TEXT COLLATE "C" NOT NULL,
    instance_id    TEXT COLLATE "C" NOT NULL,
    type_name      TEXT COLLATE "C" NOT NULL,
    schema_version TEXT NOT NULL,
    capture_time   TEXT NOT NULL,
    content_hash   TEXT,
    content        JSON NOT NULL,
    context        TEXT,
    entry_count    INTEGER NOT NULL,
    seq            BIGINT NOT NULL,
    UNIQUE (account, region, instance_id, type_name)
  );
  CREATE INDEX items_by_type ON items (account, region, type_name, seq);

  CREATE TABLE deletions (
    deletion_id     TEXT COLLATE "C" PRIMARY KEY,
    account         TEXT COLLATE "C" NOT NULL,
    region          TEXT COLLATE "C" NOT NULL,
    type_name       TEXT COLLATE "C" NOT NULL,
    option          TEXT,
    client_token    TEXT COLLATE "C",
    params_digest   TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('InProgress', 'Complete')),
    start_time      BIGINT NOT NULL,
    last_update     BIGINT NOT NULL,
    ordinal         BIGINT NOT NULL,
    lower_seq       BIGINT NOT NULL,
    cutoff_seq      BIGINT NOT NULL,
    total_count     INTEGER NOT NULL,
    remaining_count INTEGER NOT NULL,
    versions        TEXT NOT NULL,
    entries_deleted BIGINT NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_expires   BIGINT
  );
  CREATE UNIQUE INDEX deletions_by_token ON deletions (account, region, client_token) WHERE client_token IS NOT NULL;
  CREATE INDEX deletions_newest_first ON deletions (account, region, start_time DESC, ordinal DESC);
  CREATE INDEX deletions_in_progress ON deletions (ordinal) WHERE status = 'InProgress';
  CREATE INDEX deletions_by_type ON deletions (account, region, type_name, status);

  -- The order of LessThan / GreaterThan (src/store/value-order.ts): numbers as numbers, else by code point.
  CREATE FUNCTION inv_compare(a TEXT, b TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
      WHEN a IS NULL OR b IS NULL THEN NULL
      WHEN a ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' AND b ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'
        THEN sign(a::numeric - b::numeric)::integer
      WHEN a COLLATE "C" < b COLLATE "C" THEN -1
      WHEN a COLLATE "C" > b COLLATE "C" THEN 1
      ELSE 0
    END
  $$;
  `,
]
