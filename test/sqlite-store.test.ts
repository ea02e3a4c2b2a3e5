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
})
