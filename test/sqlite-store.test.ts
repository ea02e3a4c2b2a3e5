import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { sqliteMigrations } from '../src/store/sqlite/sqlite-migrations.js'
import { openSqliteStore, SqliteOpenError } from '../src/store/sqlite/sqlite-store.js'
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js'
import { storeConformance } from './store-conformance.js'

const dir = tempDataDir()
after(() => removeDir(dir))

storeConformance('sqlite (file)', async () => openSqliteStore({ path: join(dir, 'conformance.sqlite') }))
storeConformance('sqlite (memory)', async () => openSqliteStore({ path: ':memory:' }))

describe('sqlite migrations', () => {
  it('opens a new file in several processes at once, each applying what the others have not', async () => {
    // Before, each read the schema version before taking the write lock: one of two nodes
    // starting on a new file failed with "table meta already exists" (4-10 of 150 here). (The
    // other race, "database is locked" when switching the file to WAL, is rarer: 2 of 80 server
    // starts in pairs, by hand; this test did not catch it.)
    const storeModule = new URL('../src/store/sqlite/sqlite-store.js', import.meta.url).href
    const failures: string[] = []
    for (let round = 0; round < 20; round++) {
      const dataDir = tempDataDir()
      const path = join(dataDir, 'inventory.sqlite')
      const code = `import(${JSON.stringify(storeModule)}).then(async ({ openSqliteStore }) => {
        const store = openSqliteStore({ path: ${JSON.stringify(path)} })
        await store.close()
      }).catch((error) => { console.error(String(error)); process.exit(1) })`
      const exits = await Promise.all(Array.from({ length: 5 }, () => new Promise<string | undefined>((resolve) => {
        const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (chunk) => (stderr += chunk))
        child.on('exit', (exitCode) => resolve(exitCode === 0 ? undefined : `exit ${exitCode}: ${stderr.trim()}`))
      })))
      failures.push(...exits.filter((exit) => exit !== undefined))
      const db = new Database(path, { readonly: true })
      assert.equal(db.pragma('user_version', { simple: true }), sqliteMigrations.length)
      db.close()
      removeDir(dataDir)
    }
    assert.deepEqual(failures, [])
  })

  it('says which file it could not open when the data file is not a database', async () => {
    const dataDir = tempDataDir()
    after(() => removeDir(dataDir))
    const path = join(dataDir, 'inventory.sqlite')
    writeFileSync(path, 'not a database: an operator pointed --data-dir at the wrong directory, or the file was damaged\n'.repeat(20))
    assert.throws(() => openSqliteStore({ path }), (error: Error) => error instanceof SqliteOpenError && error.message === `cannot open the SQLite database ${path}: file is not a database`)
    await assert.rejects(startServerProcess({ dataDir }), new RegExp(`exited with 2 before listening:\\nssm-inventory serve: cannot open the SQLite database ${path.replaceAll('/', '\\/')}: file is not a database`))
  })

  it('creates the directories of its file, and says why when it cannot (under /proc Node itself would never return)', async () => {
    const nested = join(dir, 'a', 'b', 'c', 'inventory.sqlite')
    await openSqliteStore({ path: nested, queryThreads: 0 }).close()
    // In a process of its own, killed if it hangs (as Node's recursive mkdirSync did there).
    const storeModule = new URL('../src/store/sqlite/sqlite-store.js', import.meta.url).href
    const code = `import(${JSON.stringify(storeModule)}).then(({ openSqliteStore }) => {
      try { openSqliteStore({ path: '/proc/ssm-inventory-test/data/inventory.sqlite', queryThreads: 0 }) } catch (error) { console.error(error.message); process.exit(3) }
    })`
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] })
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exit = await new Promise<number | string | null>((resolve) => child.on('exit', (status, signal) => resolve(status ?? signal)))
    clearTimeout(killer)
    assert.equal(exit, 3, `exit ${exit}: ${stderr}`)
    assert.equal(stderr.trim(), "cannot open the SQLite database /proc/ssm-inventory-test/data/inventory.sqlite: ENOENT: no such file or directory, mkdir '/proc/ssm-inventory-test'")
  })

  it('refuses a file written by a newer version, leaving it as it was', async () => {
    const dataDir = tempDataDir()
    after(() => removeDir(dataDir))
    const path = join(dataDir, 'inventory.sqlite')
    const newer = sqliteMigrations.length + 1
    const db = new Database(path)
    db.pragma(`user_version = ${newer}`)
    db.close()
    assert.throws(() => openSqliteStore({ path }), new RegExp(`written by a newer ssm-inventory \\(schema version ${newer}; this version knows up to ${sqliteMigrations.length}\\)`))
    // The server says so and exits instead of serving.
    await assert.rejects(startServerProcess({ dataDir }), /exited with 2 before listening:\nssm-inventory serve: \S+inventory\.sqlite was written by a newer ssm-inventory/)
    const untouched = new Database(path, { readonly: true })
    assert.equal(untouched.pragma('user_version', { simple: true }), newer)
    assert.equal(untouched.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get(), 0)
    untouched.close()
  })

  it('brings a file of schema version 1 up to date with its data intact, and counts deletions from the index alone', async () => {
    const path = join(dir, 'version-1.sqlite')
    // A file as the first release wrote it: its schema, and two versions of a type's items.
    const old = new Database(path)
    old.exec(sqliteMigrations[0])
    old.pragma('user_version = 1')
    old.prepare(`INSERT INTO meta (key, value) VALUES ('secret', 'kept'), ('seq', '7')`).run()
    old.prepare(`INSERT INTO types (account, region, type_name, version, attributes, state) VALUES ('111111111111', 'eu-west-1', 'Custom:Old', '2.0', '[{"Name":"Name","DataType":"string"}]', 'active')`).run()
    const item = old.prepare(`INSERT INTO items (account, region, instance_id, type_name, schema_version, capture_time, content, entry_count, seq)
      VALUES ('111111111111', 'eu-west-1', ?, 'Custom:Old', ?, '2026-01-01T00:00:00Z', '[{"Name":"a"},{"Name":"b"}]', 2, ?)`)
    for (let i = 1; i <= 7; i++) item.run(`i-${String(i).padStart(17, '0')}`, i <= 3 ? '1.0' : '2.0', i)
    old.close()

    const store = openSqliteStore({ path })
    try {
      const p = { account: '111111111111', region: 'eu-west-1' }
      assert.equal(store.secret, 'kept')
      assert.deepEqual(await store.countItemsByVersion(p, 'Custom:Old'), [
        { Version: '1.0', Count: 3, RemainingCount: 3 },
        { Version: '2.0', Count: 4, RemainingCount: 4 },
      ])
      const deletion = await store.startDeletion(p, { deletionId: 'd-old', typeName: 'Custom:Old', paramsDigest: 'x', now: 1_000 }, () => ({}))
      assert.equal(deletion.totalCount, 7)
      assert.equal(await store.claimDeletion('upgraded', 2_000, 60_000), 'd-old')
      assert.deepEqual(await store.runDeletionBatch('d-old', 'upgraded', 100, 2_000, 60_000), { leaseHeld: true, itemsDeleted: 7, entriesDeleted: 14, complete: true })
    } finally {
      await store.close()
    }
    const upgraded = new Database(path, { readonly: true })
    assert.equal(upgraded.pragma('user_version', { simple: true }), sqliteMigrations.length)
    assert.deepEqual((upgraded.pragma('index_info(items_by_type)') as { name: string }[]).map((column) => column.name), ['account', 'region', 'type_name', 'seq', 'schema_version', 'entry_count'])
    // The counts by version, and a batch's, read no table row.
    for (const counting of [
      `SELECT schema_version, COUNT(*) FROM items WHERE account = ? AND region = ? AND type_name = ? AND seq > ? AND seq <= ? GROUP BY schema_version`,
      `SELECT schema_version, COUNT(*), SUM(entry_count) FROM items WHERE account = ? AND region = ? AND type_name = ? AND seq > ? AND seq <= ? GROUP BY schema_version`,
    ]) {
      const plan = upgraded.prepare(`EXPLAIN QUERY PLAN ${counting}`).all('a', 'r', 't', 0, 1).map((step) => (step as { detail: string }).detail).join('; ')
      assert.match(plan, /USING COVERING INDEX items_by_type/)
    }
    upgraded.close()
  })
})
