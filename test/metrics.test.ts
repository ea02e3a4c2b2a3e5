/** GET /metrics in Prometheus format, checked after known traffic. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DeleteInventoryCommand, DescribeInventoryDeletionsCommand, GetInventorySchemaCommand, PutInventoryCommand, type SSMClient } from '@aws-sdk/client-ssm'
import { instanceId, sdkClient } from './support/clients.js'
import { sample } from './support/metrics.js'
import { ON_POSTGRES, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

describe('metrics', () => {
  let server: ServerProcess
  let ssm: SSMClient
  before(async () => {
    server = await startServerProcess()
    ssm = sdkClient(server.url)
  })
  after(async () => {
    ssm.destroy()
    await server.stop()
    removeDir(server.dataDir)
  })

  it('counts calls by operation and error type, their latency, deletion progress and batches, and the store size', async () => {
    const content = Array.from({ length: 7 }, (_, i) => ({ Name: `n${i}` }))
    for (let n = 1; n <= 12; n++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Metered', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: content }] }))
    }
    for (let i = 0; i < 3; i++) await assert.rejects(ssm.send(new GetInventorySchemaCommand({ TypeName: 'AWS:Nope' })), { name: 'InvalidTypeNameException' })
    const deletion = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Metered' }))
    for (let i = 0; i < 100; i++) {
      const status = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletion.DeletionId }))).InventoryDeletions![0].LastStatus
      if (status === 'Complete') break
      await new Promise((r) => setTimeout(r, 50))
    }
    const response = await fetch(`${server.url}/metrics`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
    const text = await response.text()
    assert.equal(sample(text, 'ssm_inventory_api_calls_total', 'operation="PutInventory",status="200",error_type=""'), 12)
    assert.equal(sample(text, 'ssm_inventory_api_calls_total', 'operation="GetInventorySchema",status="400",error_type="InvalidTypeNameException"'), 3)
    assert.equal(sample(text, 'ssm_inventory_api_call_duration_seconds_count', 'operation="PutInventory"'), 12)
    assert.equal(sample(text, 'ssm_inventory_deleted_items_total'), 12)
    assert.equal(sample(text, 'ssm_inventory_deleted_entries_total'), 84)
    assert.equal(sample(text, 'ssm_inventory_deletions_in_progress'), 0)
    // The automatic batch size: SQLite's fixed one, or PostgreSQL's first (all 12 items fit in it).
    assert.equal(sample(text, 'ssm_inventory_deletion_batch_size'), ON_POSTGRES ? 1000 : 200)
    assert.equal(sample(text, 'ssm_inventory_deletion_batch_duration_seconds_count'), 1)
    assert.ok((sample(text, 'ssm_inventory_store_bytes') ?? 0) > 0)
    assert.ok((sample(text, 'ssm_inventory_process_resident_memory_bytes') ?? 0) > 0)
    // The connection pool, on PostgreSQL only.
    if (ON_POSTGRES) {
      const open = (sample(text, 'ssm_inventory_database_connections', 'state="idle"') ?? -1) + (sample(text, 'ssm_inventory_database_connections', 'state="in_use"') ?? -1)
      assert.ok(open >= 1, `open connections: ${open}`)
      // The scrape's own store queries may be queued for a moment.
      assert.ok((sample(text, 'ssm_inventory_database_waiting_calls') ?? -1) >= 0)
      assert.equal(sample(text, 'ssm_inventory_database_connections_broken_total'), 0)
      assert.doesNotMatch(text, /ssm_inventory_sqlite_/)
    } else {
      assert.doesNotMatch(text, /ssm_inventory_database_/)
      // The WAL (written to by the puts above, far below the 64 MiB at which it starts over).
      assert.ok((sample(text, 'ssm_inventory_sqlite_wal_bytes') ?? 0) > 0)
      for (const outcome of ['restarted', 'busy', 'gave_up']) assert.equal(sample(text, 'ssm_inventory_sqlite_wal_restarts_total', `outcome="${outcome}"`), 0)
    }
  })
})
