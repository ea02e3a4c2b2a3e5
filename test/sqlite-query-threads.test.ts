/**
 * GetInventory's fleet-wide queries on SQLite run on query threads with connections of their
 * own: the server keeps answering while a report scans the fleet, and a report sees every
 * put answered before it was asked.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type { Worker } from 'node:worker_threads'
import { GetInventoryCommand, GetInventorySchemaCommand, PutInventoryCommand } from '@aws-sdk/client-ssm'
import Database from 'better-sqlite3'
import { SqliteQueryThreads } from '../src/store/sqlite/sqlite-query-threads.js'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import type { AttributeCondition } from '../src/store/store.js'
import { instanceId, sdkClient } from './support/clients.js'
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'
const P = { account: '123456789012', region: 'us-east-1' }

describe('SQLite query threads', () => {
  it('answer other calls, puts included, while an aggregation scans the whole fleet', async () => {
    const server = await startServerProcess()
    after(() => server.kill())
    after(() => removeDir(server.dataDir))
    const client = sdkClient(server.url)
    after(() => client.destroy())
    // 1,500 instances x 300 entries: the nested aggregation reads 450,000 entries.
    const instances = 1500
    let next = 1
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next <= instances) {
        const n = next++
        const content = Array.from({ length: 300 }, (_, i) => ({ Name: `app-${(n + i) % 50}`, Version: `${i % 3}.0` }))
        await client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Software', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] }))
      }
    }))
    let reportDone = false
    const report = client.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Software.Name', Aggregators: [{ Expression: 'Custom:Software.Version' }] }] }))
      .finally(() => (reportDone = true))
    // Let the server begin the report (its request is small), then call it meanwhile.
    await delay(30)
    let answeredMeanwhile = 0
    for (let i = 0; !reportDone; i++) {
      if (i % 2 === 0) await client.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Software' }))
      else await client.send(new PutInventoryCommand({ InstanceId: instanceId(instances + i), Items: [{ TypeName: 'Custom:Other', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: 'x' }] }] }))
      if (!reportDone) answeredMeanwhile++
    }
    const result = await report
    // Run on the main thread, the report held every call until it was answered (0 here).
    assert.ok(answeredMeanwhile >= 3, `only ${answeredMeanwhile} calls were answered while the report ran`)
    // Every instance has every (Name, Version) combination: 300 entries cover the 150 twice.
    const rows = result.Entities![0].Data!['Custom:Software'].Content!
    assert.equal(rows.length, 50 * 3)
    assert.deepEqual(rows[0], { Name: 'app-0', Version: '0.0', Count: String(instances) })
    assert.ok(rows.every((row) => row.Count === String(instances)))
  })

  it('see every put answered before the query was asked: filtered pages, aggregations and groups', async () => {
    const server = await startServerProcess()
    after(() => server.kill())
    after(() => removeDir(server.dataDir))
    const client = sdkClient(server.url)
    after(() => client.destroy())
    for (let n = 1; n <= 25; n++) {
      const marker = `marker-${n}`
      await client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Marked', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Marker: marker }] }] }))
      const [page, aggregation, group] = await Promise.all([
        client.send(new GetInventoryCommand({ Filters: [{ Key: 'Custom:Marked.Marker', Values: [marker], Type: 'Equal' }] })),
        client.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Marked.Marker' }] })),
        client.send(new GetInventoryCommand({ Aggregators: [{ Groups: [{ Name: 'Latest', Filters: [{ Key: 'Custom:Marked.Marker', Values: [marker], Type: 'Equal' }] }] }] })),
      ])
      assert.deepEqual(page.Entities!.map((e) => e.Id), [instanceId(n)])
      assert.equal(aggregation.Entities![0].Data!['Custom:Marked'].Content!.length, n)
      assert.deepEqual(group.Entities![0].Data!.Latest.Content, [{ matchingCount: '1', notMatchingCount: String(n - 1) }])
    }
  })

  describe('the pool', () => {
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

    it('fail every query after close', async () => {
      await fileWithOneInstance()
      const threads = new SqliteQueryThreads(path, 2)
      await threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50)
      await threads.close()
      await assert.rejects(threads.run('inventoryPage', P.account, P.region, { conditions: [] }, '', 50), /the store is closed/)
    })
  })
})
