/**
 * Versioned schema of the PostgreSQL store, inside its own schema (`?schema=` of the
 * database URL). Migrations run in one transaction holding an advisory lock, so several
 * nodes starting at once migrate once. Text keys use the "C" collation: ordering and
 * comparisons are by code point, as in the SQLite store.
 *
 * Content is `json` (kept as written, key order included), so pages can be spliced into
 * responses as stored; queries read it with json_array_elements.
 */
/** A `\\u0001` escape in JSON text: not itself escaped (an even run of backslashes before it). */
const JSON_U0001 = String.raw `'(?<=(?:^|[^\\])(?:\\\\)*)\\u0001'`;
export const postgresMigrations = [
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
    // 2: strings are stored encoded (text-encoding.ts). Text could not hold U+0000 before, but
    // it could hold U+0001, which now needs its two-character form; in JSON documents, only a
    // `\u0001` escape preceded by an even run of backslashes is one.
    `
  UPDATE instances SET status = replace(status, E'\\x01', E'\\x01\\x02') WHERE strpos(status, E'\\x01') > 0;
  UPDATE instances SET details = regexp_replace(details, ${JSON_U0001}, '\\\\u0001\\\\u0002', 'g') WHERE strpos(details, '\\u0001') > 0;
  UPDATE types SET type_name = replace(type_name, E'\\x01', E'\\x01\\x02') WHERE strpos(type_name, E'\\x01') > 0;
  UPDATE sub_types SET type_name = replace(type_name, E'\\x01', E'\\x01\\x02'), sub_type = replace(sub_type, E'\\x01', E'\\x01\\x02')
    WHERE strpos(type_name, E'\\x01') > 0 OR strpos(sub_type, E'\\x01') > 0;
  UPDATE items SET type_name = replace(type_name, E'\\x01', E'\\x01\\x02') WHERE strpos(type_name, E'\\x01') > 0;
  UPDATE items SET content_hash = replace(content_hash, E'\\x01', E'\\x01\\x02') WHERE strpos(content_hash, E'\\x01') > 0;
  UPDATE items SET content = regexp_replace(content::text, ${JSON_U0001}, '\\\\u0001\\\\u0002', 'g')::json WHERE strpos(content::text, '\\u0001') > 0;
  UPDATE deletions SET type_name = replace(type_name, E'\\x01', E'\\x01\\x02') WHERE strpos(type_name, E'\\x01') > 0;
  `,
    // 3: a sub-type (a ComplianceType value) may be 4,096 characters, more than a B-tree entry
    // holds (~2,700 bytes): sub-types are unique by digest instead (md5 only tells values apart here).
    `
  ALTER TABLE sub_types DROP CONSTRAINT sub_types_pkey;
  CREATE UNIQUE INDEX sub_types_unique ON sub_types (account, region, type_name, md5(sub_type));
  `,
    // 4: numbers as src/store/value-order.ts reads them (bounded, as doubles): '1e400' overflowed
    // numeric before and the query failed; 17+ significant digits compared differently from SQLite.
    `
  CREATE OR REPLACE FUNCTION inv_compare(a TEXT, b TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
      WHEN a IS NULL OR b IS NULL THEN NULL
      WHEN a ~ '^-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,2})?$' AND b ~ '^-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,2})?$'
        THEN sign(a::float8 - b::float8)::integer
      WHEN a COLLATE "C" < b COLLATE "C" THEN -1
      WHEN a COLLATE "C" > b COLLATE "C" THEN 1
      ELSE 0
    END
  $$;
  `,
];
//# sourceMappingURL=postgres-migrations.js.map