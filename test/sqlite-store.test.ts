import { join } from 'node:path'
import { after } from 'node:test'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { removeDir, tempDataDir } from './support/server-process.js'
import { storeConformance } from './store-conformance.js'

const dir = tempDataDir()
after(() => removeDir(dir))

storeConformance('sqlite (file)', async () => openSqliteStore({ path: join(dir, 'conformance.sqlite') }))
storeConformance('sqlite (memory)', async () => openSqliteStore({ path: ':memory:' }))
