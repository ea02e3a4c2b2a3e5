/**
 * The SQLite store's query threads (sqlite-query-threads.ts) on a real database file: what a
 * query returns or throws, and what happens when a thread stops. What the server gains from
 * them is tested in fleet-reports.test.ts.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { READS_HELD, sharedWalState } from '../src/store/sqlite/sqlite-checkpointer.js'
import { SqliteQueryThreads } from '../src/store/sqlite/sqlite-query-threads.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { StoreUnavailableError, type AttributeCondition } from '../src/store/store.js'
import { instanceId } from './support/clients.js'
import { removeDir, tempDataDir } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'
const P = { account: '123456789012', region: 'us-east-1' }

describe('SQLite query threads', () => {
  const dir = tempDataDir()
  after(() => removeDir(dir))
  const path = join(dir, 'inventory.sqlite')

  async function fileWithOneInstance(): Promise<void> {
    const store = openSqliteStore({ path, queryThreads: 0 })
    await store.putInventory(P, instanceId(1), ['Custom:T'], () => ({
      instance: { status: 'Active', details: {} },
      types: [{ typeName: 'Custom:T', version: '1.0', attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
      subTypes: [],
      items: [{ instanceId: instanceId(1), typeName: 'Custom:T', schemaVersion: '1.0', captureTime: CAPTURE, contentJson: '[{"Name":"a"}]', entryCount: 1 }],
    }), 1)
    await store.close()
  }

  it('pass SQLite errors on with their codes, as the store classifies them', async () => {
    await fileWithOneInstance()
    const threads = new SqliteQueryThreads(path, 1)
    after(() => threads.close())
    const rows = await threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:T', attribute: 'Name' }])
    assert.deepEqual(rows, [{ values: ['a'], instances: 1 }])
    // A condition no query is built for makes SQL that SQLite refuses.
    const bogus = { source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'InstanceId', operator: 'Bogus', values: [] } as unknown as AttributeCondition
    const error = await threads.run('countGroup', P.account, P.region, { conditions: [] }, [bogus]).then(() => undefined, (e: unknown) => e)
    assert.ok(error instanceof Database.SqliteError, String(error))
    assert.equal(error.code, 'SQLITE_ERROR')
    assert.match(error.stack ?? '', /sqlite-inventory-query/)
  })

  it('fail the queries of a thread that stops, and start a new thread for the next', async () => {
    await fileWithOneInstance()
    const threads = new SqliteQueryThreads(path, 1)
    after(() => threads.close())
    const query = () => threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50)
    const pending = query()
    const [thread] = (threads as unknown as { threads: { worker: Worker }[] }).threads
    // The thread has not even started: the query cannot have been answered.
    await thread.worker.terminate()
    await assert.rejects(pending, /a SQLite query thread stopped \(exit code \d+\)/)
    const page = await query()
    assert.deepEqual(page.instances.map((i) => i.instanceId), [instanceId(1)])
    assert.notEqual((threads as unknown as { threads: { worker: Worker }[] }).threads[0].worker, thread.worker)
  })

  /** One item of 300,000 distinct names: aggregating them takes over a second here. */
  async function fileWithManyNames(): Promise<void> {
    const store = openSqliteStore({ path, queryThreads: 0 })
    const names = JSON.stringify(Array.from({ length: 300_000 }, (_, n) => ({ Name: `n${n}` })))
    await store.putInventory(P, instanceId(2), ['Custom:Many'], () => ({
      instance: { status: 'Active', details: {} },
      types: [{ typeName: 'Custom:Many', version: '1.0', attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
      subTypes: [],
      items: [{ instanceId: instanceId(2), typeName: 'Custom:Many', schemaVersion: '1.0', captureTime: CAPTURE, contentJson: names, entryCount: 300_000 }],
    }), 1)
    await store.close()
  }

  const poolOf = (threads: SqliteQueryThreads) => (threads as unknown as { threads: { worker: Worker }[] }).threads

  it('stop a query past its time limit with its thread, and run the queries queued behind it on a new one', async () => {
    await fileWithManyNames()
    const threads = new SqliteQueryThreads(path, 1, undefined, 300)
    after(() => threads.close())
    const [runaway, queued] = [
      threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:Many', attribute: 'Name' }]),
      threads.run('countGroup', P.account, P.region, { conditions: [] }, []),
    ]
    const [thread] = (threads as unknown as { threads: { worker: Worker }[] }).threads
    const error = await runaway.then(() => undefined, (e: unknown) => e)
    assert.ok(error instanceof StoreUnavailableError, String(error))
    assert.equal(error.timedOut, true)
    assert.equal(error.message, 'a GetInventory query ran past 300 ms and was stopped')
    assert.deepEqual(await queued, { total: 2, matching: 2 })
    const [replacement] = (threads as unknown as { threads: { worker: Worker }[] }).threads
    assert.notEqual(replacement.worker, thread.worker)
    // Quick queries are not stopped, the first on a new thread included (its start-up is not counted).
    assert.deepEqual(await threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:T', attribute: 'Name' }]), [{ values: ['a'], instances: 1 }])
  })

  it('run a prompt query beside a running one, on a thread started for it that stops once idle', async () => {
    await fileWithManyNames()
    const threads = new SqliteQueryThreads(path, 1)
    after(() => threads.close())
    threads.warmUp()
    const [first] = poolOf(threads)
    const finished: string[] = []
    const report = threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:Many', attribute: 'Name' }])
    void report.then(() => finished.push('report'))
    // DeleteInventory's count does not wait for the report (over a second) to end.
    const counted = await threads.runPromptly('countVersions', P.account, P.region, 'Custom:Many')
    assert.deepEqual(counted.versions, [{ Version: '1.0', Count: 1, RemainingCount: 1 }])
    assert.deepEqual(finished, [], 'the report is still running')
    assert.deepEqual(poolOf(threads).map((thread) => thread.worker), [first.worker], 'the thread started for the count has stopped')
    assert.equal((await report).length, 300_000)
    // A query that is not prompt waits for the busy pool instead of starting a thread.
    const order: string[] = []
    const second = threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:Many', attribute: 'Name' }]).then(() => order.push('report'))
    const third = threads.run('countVersions', P.account, P.region, 'Custom:Many').then(() => order.push('count'))
    assert.equal(poolOf(threads).length, 1)
    await Promise.all([second, third])
    assert.deepEqual(order, ['report', 'count'])
  })

  it('hold reports while the checkpointer asks, but not a prompt query', async () => {
    await fileWithOneInstance()
    const state = sharedWalState()
    const threads = new SqliteQueryThreads(path, 1, state)
    after(() => threads.close())
    // As the checkpointer holds new reports for a RESTART (for up to 5 s).
    Atomics.store(state, READS_HELD, 5000)
    let reported = false
    const report = threads.run('aggregate', P.account, P.region, { conditions: [] }, [{ source: 'item', typeName: 'Custom:T', attribute: 'Name' }]).then((rows) => ((reported = true), rows))
    // DeleteInventory's count answers meanwhile.
    const counted = await threads.runPromptly('countVersions', P.account, P.region, 'Custom:T')
    assert.deepEqual(counted.versions, [{ Version: '1.0', Count: 1, RemainingCount: 1 }])
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(reported, false, 'the report waits for the hold to end')
    // As the checkpointer says once the WAL started over.
    Atomics.store(state, READS_HELD, 0)
    threads.releaseHeld()
    assert.deepEqual(await report, [{ values: ['a'], instances: 1 }])
  })

  it('are not asked to count for a DeleteInventory that starts nothing', async () => {
    await fileWithOneInstance()
    const store = openSqliteStore({ path, queryThreads: 1 })
    after(() => store.close())
    const threads = (store as unknown as { queryThreads: SqliteQueryThreads }).queryThreads
    const counts: string[] = []
    const runPromptly = threads.runPromptly.bind(threads)
    threads.runPromptly = ((call: 'countVersions', ...args: [string, string, string]) => {
      counts.push(args[2])
      return runPromptly(call, ...args)
    }) as typeof threads.runPromptly
    const start = (typeName: string, clientToken?: string) =>
      store.startDeletion(P, { deletionId: `d-${counts.length}-${typeName}`, typeName, clientToken, paramsDigest: 'x', now: 1_000 }, (ctx) => {
        if (ctx.sameToken) return { replay: ctx.sameToken.deletion }
        if (!ctx.type || ctx.type.state === 'deleted') throw new Error(`no type ${typeName}`)
        return ctx.type.typeName === 'Custom:T' ? { typeState: 'deleted' } : {}
      })
    const first = await start('Custom:T', 'token-1')
    assert.deepEqual(counts, ['Custom:T'])
    assert.equal(first.totalCount, 1)
    // The same token again: the deletion it started, without a count.
    assert.equal((await start('Custom:T', 'token-1')).deletionId, first.deletionId)
    // A type never put, and the type just deleted: refused, without a count.
    await assert.rejects(start('Custom:Never'), /no type Custom:Never/)
    await assert.rejects(start('Custom:T', 'token-2'), /no type Custom:T/)
    assert.deepEqual(counts, ['Custom:T'])
  })

  it('fail every query after close', async () => {
    await fileWithOneInstance()
    const threads = new SqliteQueryThreads(path, 2)
    await threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50)
    await threads.close()
    await assert.rejects(threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50), /the store is closed/)
  })
})
