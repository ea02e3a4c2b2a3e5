/** The store conformance suite on PostgreSQL (each run in its own schema), and its migrations. */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { postgresMigrations } from '../src/store/postgres/postgres-migrations.js'
import { checkServerVersion, openPostgresStore } from '../src/store/postgres/postgres-store.js'
import type { Partition, Store } from '../src/store/store.js'
import { instanceId } from './support/clients.js'
import { dropSchema, freshSchemaName, schemaUrl, TEST_DATABASE_URL, withPostgres } from './support/postgres.js'
import { storeConformance } from './store-conformance.js'

const schema = freshSchemaName()
after(() => dropSchema(schema))

storeConformance('postgres', async () => openPostgresStore({ url: schemaUrl(schema) }))

describe('postgres server version', () => {
  it('runs on PostgreSQL 12 and later, and says what is needed on anything older', () => {
    for (const [num, version] of [[120000, '12.0'], [150014, '15.14'], [170002, '17.2 (Debian 17.2-1)']] as const) checkServerVersion(num, version)
    assert.throws(() => checkServerVersion(110022, '11.22'), /^Error: PostgreSQL 12 or later is needed; this server runs 11\.22$/)
    assert.throws(() => checkServerVersion(Number.NaN, 'unknown'), /PostgreSQL 12 or later is needed/)
  })
})

describe('postgres session settings', () => {
  it('keeps concurrent puts working on a database whose defaults are SERIALIZABLE and a 1 ms lock timeout', async () => {
    const database = freshSchemaName()
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE ${database}`)
      await admin.query(`ALTER DATABASE ${database} SET default_transaction_isolation = 'serializable'`)
      await admin.query(`ALTER DATABASE ${database} SET lock_timeout = '1ms'`)
      const url = new URL(TEST_DATABASE_URL)
      url.pathname = `/${database}`
      const store = await openPostgresStore({ url: url.toString() })
      const P = { account: '131313131313', region: 'eu-west-1' }
      const failures: string[] = []
      try {
        for (let round = 0; round < 5; round++) {
          // 100 puts at once over 20 instances and 3 types: groups, type creation and row locks contend.
          await Promise.all(Array.from({ length: 100 }, async (_, k) => {
            const instanceId = `i-${(k % 20).toString(16).padStart(17, '0')}`
            const typeName = `Custom:T${(k + round) % 3}`
            await store.putInventory(P, instanceId, [typeName], (ctx) => ({
              types: ctx.types.get(typeName) ? [] : [{ typeName, version: '1.0', attributes: [{ Name: 'A', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
              items: [{ instanceId, typeName, schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify([{ A: `${round}-${k}` }]), entryCount: 1 }],
              subTypes: [],
              instance: { status: 'Active' },
            }), round).catch((error: Error) => failures.push(error.message))
          }))
        }
      } finally {
        await store.close()
      }
      assert.deepEqual(failures, [])
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`)
      await admin.end()
    }
  })
})

describe('postgres URL options', () => {
  it('applies the URL\'s options, with the store\'s own settings after them', async () => {
    const own = freshSchemaName()
    after(() => dropSchema(own))
    const url = new URL(schemaUrl(own))
    // search_path here must not win over the store's schema.
    url.searchParams.set('options', '-c search_path=public -c work_mem=7MB')
    const store = await openPostgresStore({ url: url.toString() })
    const P = { account: '141414141414', region: 'eu-west-1' }
    try {
      await store.putInventory(P, 'i-00000000000000u01', ['Custom:U'], () => ({
        types: [{ typeName: 'Custom:U', version: '1.0', attributes: [{ Name: 'A', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
        items: [{ instanceId: 'i-00000000000000u01', typeName: 'Custom:U', schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: '[{"A":"a"}]', entryCount: 1 }],
        subTypes: [],
        instance: { status: 'Active' },
      }), 1)
      assert.deepEqual((await store.getItem(P, 'i-00000000000000u01', 'Custom:U'))?.content, [{ A: 'a' }])
    } finally {
      await store.close()
    }
    await withPostgres(async (client) => {
      const tables = async (name: string) => (await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename IN ('items', 'meta')`, [name])).rowCount
      assert.equal(await tables(own), 2)
      assert.equal(await tables('public'), 0)
    })
    // And the URL's options do reach the database: a read-only default stops the migrations.
    url.searchParams.set('options', '-c default_transaction_read_only=on')
    url.searchParams.set('schema', freshSchemaName())
    await assert.rejects(openPostgresStore({ url: url.toString() }), /read-only transaction/)
  })
})

describe('postgres migrations', () => {
  it('refuses a schema written by a newer version', async () => {
    const newerSchema = freshSchemaName()
    const newer = postgresMigrations.length + 1
    await withPostgres((client) => client.query(`CREATE SCHEMA ${newerSchema}; CREATE TABLE ${newerSchema}.schema_migrations (version INTEGER PRIMARY KEY); INSERT INTO ${newerSchema}.schema_migrations VALUES (${newer})`))
    after(() => dropSchema(newerSchema))
    await assert.rejects(openPostgresStore({ url: schemaUrl(newerSchema) }), new RegExp(`written by a newer ssm-inventory \\(schema version ${newer}; this version knows up to ${postgresMigrations.length}\\)`))
  })

  it('runs as a role that may not create schemas, in one made for it, and says what to ask for when there is none', async () => {
    // A least-privilege set-up: the administrator makes the schema for the service's role, which
    // has no CREATE on the database (PUBLIC has none by default). CREATE SCHEMA IF NOT EXISTS alone refused to start there.
    const role = freshSchemaName()
    const given = freshSchemaName()
    const missing = freshSchemaName()
    await withPostgres((client) => client.query(`CREATE ROLE ${role} LOGIN; CREATE SCHEMA ${given} AUTHORIZATION ${role}`))
    try {
      const url = (schema: string) => {
        const u = new URL(schemaUrl(schema))
        u.username = role
        return u.toString()
      }
      await assertWritesAndReads(url(given))
      await assert.rejects(openPostgresStore({ url: url(missing) }), new RegExp(`schema ${missing} does not exist and this role may not create it \\(permission denied for database \\w+\\); create it for the role \\(CREATE SCHEMA ${missing} AUTHORIZATION <role>\\)`))
    } finally {
      await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${given} CASCADE; DROP ROLE IF EXISTS ${role}`))
    }
  })

  it('runs as a role that may only use a schema its owner migrated, and says to migrate as the owner when it is behind', async () => {
    // Migrations run by the schema's owner (`ssm-inventory migrate`), nodes as a role with USAGE
    // and DML only. Before, every start ran CREATE TABLE IF NOT EXISTS, which that role may not.
    const role = freshSchemaName()
    const owned = freshSchemaName()
    await (await openPostgresStore({ url: schemaUrl(owned) })).close()
    await withPostgres((client) => client.query(`CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA ${owned} TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${owned} TO ${role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${owned} TO ${role}`))
    try {
      const url = new URL(schemaUrl(owned))
      url.username = role
      await assertWritesAndReads(url.toString())
      // The schema one migration behind: the role may not apply it.
      const latest = postgresMigrations.length
      await withPostgres((client) => client.query(`DELETE FROM ${owned}.schema_migrations WHERE version = ${latest}`))
      await assert.rejects(openPostgresStore({ url: url.toString() }), new RegExp(
        `schema ${owned} is at version ${latest - 1} and this version needs ${latest}, but this role may not change it \\(.*\\); run 'ssm-inventory migrate' \\(or start one node\\) as a role that may`,
      ))
      await (await openPostgresStore({ url: schemaUrl(owned) })).close()
      await (await openPostgresStore({ url: url.toString() })).close()
    } finally {
      await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS ${owned} CASCADE; DROP ROLE IF EXISTS ${role}`))
    }
  })

  it('encodes the U+0001 characters of a database written before strings were encoded', async () => {
    const legacy = freshSchemaName()
    const P = { account: '555555555555', region: 'eu-west-1' }
    await withPostgres(async (client) => {
      // The schema as the first version left it, with rows that version could hold.
      await client.query(`CREATE SCHEMA ${legacy}; SET search_path = ${legacy}`)
      await client.query(postgresMigrations[0])
      await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (1)`)
      await client.query(`INSERT INTO instances (account, region, instance_id, status, details, first_seen, last_seen) VALUES ($1, $2, 'i-00000000000000l01', $3, $4, 1, 1)`,
        [P.account, P.region, 'Stopped\u0001', JSON.stringify({ Agent: 'x\u0001', Note: '\\u0001' })])
      await client.query(`INSERT INTO types (account, region, type_name, version, attributes, state) VALUES ($1, $2, $3, '1.0', $4, 'active')`,
        [P.account, P.region, 'Custom:L\u0001', JSON.stringify([{ Name: 'V', DataType: 'string' }, { Name: 'W', DataType: 'string' }])])
      await client.query(`INSERT INTO sub_types (account, region, type_name, sub_type) VALUES ($1, $2, $3, $4)`, [P.account, P.region, 'Custom:L\u0001', 'S\u0001'])
      await client.query(
        `INSERT INTO items (account, region, instance_id, type_name, schema_version, capture_time, content_hash, content, entry_count, seq)
         VALUES ($1, $2, 'i-00000000000000l01', $3, '1.0', '2026-01-01T00:00:00Z', $4, $5, 1, 1)`,
        [P.account, P.region, 'Custom:L\u0001', 'h\u0001', JSON.stringify([{ V: 'a\u0001', W: '\\\\u0001 and \\u0001' }])],
      )
      await client.query(
        `INSERT INTO deletions (deletion_id, account, region, type_name, params_digest, status, start_time, last_update, ordinal, lower_seq, cutoff_seq, total_count, remaining_count, versions)
         VALUES ('00000000-0000-0000-0000-00000000000d', $1, $2, $3, 'x', 'Complete', 1, 1, 1, 0, 0, 0, 0, '[]')`,
        [P.account, P.region, 'Custom:L\u0001'],
      )
    })
    after(() => dropSchema(legacy))
    for (let open = 0; open < 2; open++) {
      // Twice: the second start finds the migration applied and changes nothing.
      const store = await openPostgresStore({ url: schemaUrl(legacy) })
      try {
        const item = await store.getItem(P, 'i-00000000000000l01', 'Custom:L\u0001')
        assert.deepEqual(item?.content, [{ V: 'a\u0001', W: '\\\\u0001 and \\u0001' }])
        assert.equal(item?.contentHash, 'h\u0001')
        const instance = await store.getInstance(P, 'i-00000000000000l01')
        assert.deepEqual([instance?.status, instance?.details], ['Stopped\u0001', { Agent: 'x\u0001', Note: '\\u0001' }])
        assert.deepEqual((await store.listTypes(P, undefined, 10)).items.map((t) => t.typeName), ['Custom:L\u0001'])
        assert.deepEqual(await store.listSubTypes(P, 'Custom:L\u0001'), ['S\u0001'])
        assert.equal((await store.getDeletion(P, '00000000-0000-0000-0000-00000000000d'))?.typeName, 'Custom:L\u0001')
        const matching = await store.queryInventoryPage(P, { conditions: [{ source: 'item', typeName: 'Custom:L\u0001', attribute: 'V', operator: 'Equal', values: ['a\u0001'] }] }, undefined, 10)
        assert.deepEqual(matching.instances.map((i) => i.instanceId), ['i-00000000000000l01'])
        const byAgent = await store.aggregate(P, { conditions: [] }, [{ source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'Agent' }])
        assert.deepEqual(byAgent, [{ values: ['x\u0001'], instances: 1 }])
      } finally {
        await store.close()
      }
    }
  })
})

/** A put of one Custom:G item to instance n, creating the type if it is new. */
/** A store opened on `url` (as some role) takes a put and reads it back. */
async function assertWritesAndReads(url: string): Promise<void> {
  const store = await openPostgresStore({ url })
  try {
    const P = { account: '141414141414', region: 'eu-west-1' }
    await putItem(store, P, 1)
    assert.equal((await store.countItemsByVersion(P, 'Custom:G')).length, 1)
  } finally {
    await store.close()
  }
}

function putItem(store: Store, p: Partition, n: number): Promise<void> {
  return store.putInventory(p, instanceId(n), ['Custom:G'], (ctx) => ({
    types: ctx.types.get('Custom:G') ? [] : [{ typeName: 'Custom:G', version: '1.0', attributes: [{ Name: 'A', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
    items: [{ instanceId: instanceId(n), typeName: 'Custom:G', schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: `[{"A":"${n}"}]`, entryCount: 1 }],
    subTypes: [],
    instance: { status: 'Active' },
  }), n)
}

describe('postgres deletion counts', () => {
  it('lets the puts of the partition go while DeleteInventory counts a large type, and counts it exactly', async () => {
    const own = freshSchemaName()
    after(() => dropSchema(own))
    const store = await openPostgresStore({ url: schemaUrl(own) })
    const P = { account: '181818181818', region: 'eu-west-1' }
    const items = 300_000
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    try {
      await putItem(store, P, 1)
      // A type of 300,000 items in two versions, written directly (counting it takes ~100 ms here).
      await admin.query(`INSERT INTO ${own}.types (account, region, type_name, version, attributes, state, disabled_version, hidden_seq)
        VALUES ($1, $2, 'Custom:Large', '1.0', '[{"Name":"A","DataType":"string"}]', 'active', NULL, 0)`, [P.account, P.region])
      await admin.query(`INSERT INTO ${own}.items (account, region, instance_id, type_name, schema_version, capture_time, content, entry_count, seq)
        SELECT $1, $2, 'i-' || lpad(to_hex(n), 17, '0'), 'Custom:Large', CASE WHEN n % 3 = 0 THEN '2.0' ELSE '1.0' END, '2026-01-01T00:00:00Z', '[{"A":"x"}]', 1, nextval('${own}.item_seq')
        FROM generate_series(1, ${items}) AS n`, [P.account, P.region])
      await admin.query(`ANALYZE ${own}.items`)

      // Puts of another type of the partition, one after another, for as long as the call runs.
      let counting = true
      let answeredDuring = 0
      const putting = (async () => {
        for (let n = 2; counting; n++) {
          await putItem(store, P, n)
          if (counting) answeredDuring++
        }
      })()
      let deletion
      try {
        deletion = await store.startDeletion(P, { deletionId: 'd-large', typeName: 'Custom:Large', paramsDigest: 'x', now: 1_000 }, () => ({}))
      } finally {
        counting = false
        await putting
      }
      assert.deepEqual(deletion.versions, [{ Version: '1.0', Count: 200_000, RemainingCount: 200_000 }, { Version: '2.0', Count: 100_000, RemainingCount: 100_000 }])
      assert.equal(deletion.totalCount, items)
      // Counted under the partition's exclusive lock (as before), no put could end before the call did: 0 here.
      assert.ok(answeredDuring >= 5, `${answeredDuring} puts answered while DeleteInventory counted`)
    } finally {
      await admin.end()
      await store.close()
    }
  })
})

describe('postgres put groups', () => {
  it('starts a second group for the puts behind a stalled one, though the first group\'s timer fires early', async () => {
    const own = freshSchemaName()
    after(() => dropSchema(own))
    const store = await openPostgresStore({ url: schemaUrl(own) })
    const P = { account: '151515151515', region: 'eu-west-1' }
    const put = (n: number) => putItem(store, P, n)
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await holder.connect()
    const now = performance.now.bind(performance)
    try {
      await put(1)
      await holder.query('BEGIN')
      await holder.query(`SELECT 1 FROM ${own}.items WHERE instance_id = $1 FOR UPDATE`, [instanceId(1)])
      const held = put(1)
      held.catch(() => {}) // awaited below
      // Puts that arrive just after the held put's group started, while it waits for the row.
      // And the two clocks disagree: timers go by libuv's clock, read in whole milliseconds, the
      // group's age by performance.now(), so a 20 ms timer can fire when performance.now() says
      // 19.1 ms have passed (seen here about once in 200). Here performance.now() runs 2 ms behind
      // from the group's start on, which makes that early firing happen every time.
      const others = await new Promise<Promise<unknown>>((resolve) => setImmediate(() => {
        performance.now = () => now() - 2
        resolve(Promise.all([2, 3, 4].map(put)))
      }))
      const timedOut = Symbol('timed out')
      let timer: NodeJS.Timeout | undefined
      const outcome = await Promise.race([others, new Promise((resolve) => (timer = setTimeout(resolve, 5000, timedOut)))])
      clearTimeout(timer)
      assert.notEqual(outcome, timedOut, 'the puts behind the held one waited for it')
      await holder.query('ROLLBACK')
      await held
    } finally {
      performance.now = now
      await holder.query('ROLLBACK').catch(() => {})
      await holder.end()
      await store.close()
    }
  })

  it('lets the puts of another account go while two groups of one account wait for rows', async () => {
    const own = freshSchemaName()
    after(() => dropSchema(own))
    const store = await openPostgresStore({ url: schemaUrl(own) })
    const A = { account: '161616161616', region: 'eu-west-1' }
    const B = { account: '171717171717', region: 'eu-west-1' }
    const put = (p: Partition, n: number) => putItem(store, p, n)
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await holder.connect()
    /** Waits until `count` of the store's statements wait for a row lock. */
    const waitingForRows = async (count: number) => {
      for (let tries = 0; ; tries++) {
        const { rows } = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)
        if (rows[0].n >= count) return
        assert.ok(tries < 500, `${rows[0].n} statements wait for a row, not ${count}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    try {
      await Promise.all([put(A, 1), put(A, 2), put(B, 3)])
      await holder.query('BEGIN')
      await holder.query(`SELECT 1 FROM ${own}.instances WHERE account = $1 AND instance_id = ANY($2) FOR UPDATE`, [A.account, [instanceId(1), instanceId(2)]])
      // Two groups of account A, each waiting for a row: the most one partition may have.
      const heldFirst = put(A, 1)
      await waitingForRows(1)
      const heldSecond = put(A, 2)
      await waitingForRows(2)
      for (const held of [heldFirst, heldSecond]) held.catch(() => {}) // awaited below
      const timedOut = Symbol('timed out')
      let timer: NodeJS.Timeout | undefined
      const outcome = await Promise.race([put(B, 3), new Promise((resolve) => (timer = setTimeout(resolve, 5000, timedOut)))])
      clearTimeout(timer)
      assert.notEqual(outcome, timedOut, 'the put of account B waited for the groups of account A')
      await holder.query('ROLLBACK')
      await Promise.all([heldFirst, heldSecond])
    } finally {
      await holder.query('ROLLBACK').catch(() => {})
      await holder.end()
      await store.close()
    }
  })
})

describe('postgres prepared reads', () => {
  it('keep answering on the connection that prepared them after a later version adds a column to every table', async () => {
    const schema = freshSchemaName()
    // One connection: every read below runs on the connection that prepared it on the first round.
    const store = await openPostgresStore({ url: schemaUrl(schema), poolSize: 1 })
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    const P: Partition = { account: '141414141414', region: 'eu-west-1' }
    const put = (typeName: string, subType?: string) => store.putInventory(P, instanceId(1), [typeName], (ctx) => ({
      types: ctx.types.get(typeName)?.state === 'active' ? [] : [{ typeName, version: '1.0', attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
      items: [{ instanceId: instanceId(1), typeName, schemaVersion: '1.0', captureTime: '2026-11-30T00:00:00Z', contentJson: '[{"Name":"a"}]', entryCount: 1 }],
      subTypes: subType ? [{ typeName, subType }] : [],
      instance: { status: 'Active' },
    }), 1_000)
    try {
      await put('Custom:Kept', 'Patch')
      await put('Custom:GoneA')
      await put('Custom:GoneB')
      await store.startDeletion(P, { deletionId: 'd-a', typeName: 'Custom:GoneA', paramsDigest: 'x', now: 2_000 }, () => ({}))
      await store.startDeletion(P, { deletionId: 'd-b', typeName: 'Custom:GoneB', paramsDigest: 'x', now: 3_000 }, () => ({}))
      const reads = async () => {
        const newest = await store.listDeletions(P, undefined, 1)
        return {
          instance: await store.getInstance(P, instanceId(1)),
          type: await store.getType(P, 'Custom:Kept'),
          types: await store.listTypes(P, undefined, 50),
          subTypes: await store.listSubTypes(P, 'Custom:Kept'),
          item: await store.getItem(P, instanceId(1), 'Custom:Kept'),
          deletion: await store.getDeletion(P, 'd-a'),
          newest,
          older: await store.listDeletions(P, newest.next, 1),
        }
      }
      const before = await reads()
      assert.deepEqual(before.older.items.map((d) => d.deletionId), ['d-a'])
      assert.deepEqual(before.subTypes, ['Patch'])
      for (const table of ['instances', 'types', 'sub_types', 'items', 'deletions']) {
        await admin.query(`ALTER TABLE ${schema}.${table} ADD COLUMN added_later integer`)
      }
      // A statement selecting every column would now fail on that connection ("cached plan must not change result type").
      assert.deepEqual(await reads(), before)
    } finally {
      await store.close()
      await admin.end()
      await dropSchema(schema)
    }
  })
})
