import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { sqliteMigrations } from '../src/store/sqlite/sqlite-migrations.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js'
import { storeConformance } from './store-conformance.js'

const dir = tempDataDir()
after(() => removeDir(dir))

storeConformance('sqlite (file)', async () => openSqliteStore({ path: join(dir, 'conformance.sqlite') }))
storeConformance('sqlite (memory)', async () => openSqliteStore({ path: ':memory:' }))

describe('sqlite migrations', () => {
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
    await assert.rejects(startServerProcess({ dataDir }), /exited with 1 before listening:[\s\S]*written by a newer ssm-inventory/)
    const untouched = new Database(path, { readonly: true })
    assert.equal(untouched.pragma('user_version', { simple: true }), newer)
    assert.equal(untouched.prepare(`SELECT count(*) FROM sqlite_master`).pluck().get(), 0)
    untouched.close()
  })
})
