/**
 * Two real server processes on one PostgreSQL schema, and two on one SQLite file: any node
 * answers any request, a ClientToken yields one deletion across nodes, limits hold under
 * concurrent requests, and a deletion whose node is killed is finished by the other once the
 * lease expires. A node
 * limited to one connection (--database-pool-size 1) still serves everything at once. Nodes
 * that verify signatures, behind a round-robin proxy, accept what clients signed for the
 * proxy's address as long as the Host header reaches them unchanged. Two nodes writing and
 * deleting one type at once, one of them killed now and then, keep every count exact
 * (fuzz/consistency.ts).
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  DeleteInventoryCommand,
  DescribeInventoryDeletionsCommand,
  GetInventoryCommand,
  GetInventorySchemaCommand,
  ListInventoryEntriesCommand,
  PutInventoryCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm'
import { CONSISTENCY_NODE_ARGS, runConsistency } from '../fuzz/consistency.js'
import { instanceId, sdkClient } from './support/clients.js'
import { sample } from './support/metrics.js'
import { dropSchema, freshSchemaName, schemaUrl, withPostgres } from './support/postgres.js'
import { removeDir, startServerProcess, tempDataDir, type ServerProcess } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'
const NODE_ARGS = ['--deletion-lease-ms', '1500', '--deletion-poll-ms', '300', '--deletion-batch-size', '20', '--deletion-pause-ms', '5', '--max-custom-types', '6']

for (const store of ['PostgreSQL', 'SQLite'] as const) describe(`several nodes on one ${store} database`, () => {
  const schema = freshSchemaName()
  // On SQLite both nodes open one file: its write lock serialises their writes.
  const sharedDataDir = store === 'SQLite' ? tempDataDir() : undefined
  let a: ServerProcess
  let b: ServerProcess
  let ssmA: SSMClient
  let ssmB: SSMClient
  before(async () => {
    // SQLite works a batch faster: a longer pause keeps the deletion running while node A is killed.
    const args = store === 'PostgreSQL' ? ['--database-url', schemaUrl(schema), ...NODE_ARGS] : [...NODE_ARGS, '--deletion-pause-ms', '25']
    // Both start at once: the migration runs once, under its lock.
    ;[a, b] = await Promise.all([startServerProcess({ args, dataDir: sharedDataDir }), startServerProcess({ args, dataDir: sharedDataDir })])
    ssmA = sdkClient(a.url)
    ssmB = sdkClient(b.url)
  })
  after(async () => {
    ssmA.destroy()
    ssmB.destroy()
    await Promise.all([a.child.exitCode === null ? a.stop() : undefined, b.stop()])
    removeDir(a.dataDir)
    removeDir(b.dataDir)
    if (store === 'PostgreSQL') await dropSchema(schema)
  })

  const put = (client: SSMClient, n: number, typeName: string, version = '1.0', content = [{ Name: 'x' }]) =>
    client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: typeName, SchemaVersion: version, CaptureTime: CAPTURE, Content: content }] }))

  it('reads on one node what was written on the other', async () => {
    await put(ssmA, 1, 'Custom:Shared', '1.0', [{ Name: 'from-a' }])
    const entries = await ssmB.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Shared' }))
    assert.deepEqual(entries.Entries, [{ Name: 'from-a' }])
    const page = await ssmB.send(new GetInventoryCommand({ MaxResults: 1 }))
    assert.deepEqual(page.Entities!.map((e) => e.Id), [instanceId(1)])
  })

  it('gives one DeletionId for one ClientToken asked of both nodes at once', async () => {
    for (let round = 0; round < 5; round++) {
      const typeName = `Custom:Token${round}`
      await put(ssmA, 10 + round, typeName)
      const token = `0000000${round}-1111-4222-8333-444444444444`
      const [fromA, fromB] = await Promise.all([
        ssmA.send(new DeleteInventoryCommand({ TypeName: typeName, ClientToken: token })),
        ssmB.send(new DeleteInventoryCommand({ TypeName: typeName, ClientToken: token })),
      ])
      assert.equal(fromA.DeletionId, fromB.DeletionId)
    }
    const all = await ssmA.send(new DescribeInventoryDeletionsCommand({ MaxResults: 50 }))
    assert.equal(all.InventoryDeletions!.length, 5)
  })

  it('keeps the custom type limit when both nodes create types at once', async () => {
    // Custom:Shared and the five token types use the limit of 6 (data-only deletions keep their types).
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => put(i % 2 ? ssmA : ssmB, 100 + i, `Custom:Extra${i}`)))
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).name === 'CustomSchemaCountLimitExceededException'))
    // Free three by deleting their schemas, then race six creations: exactly three get in.
    for (let round = 0; round < 3; round++) {
      const deletion = await ssmA.send(new DeleteInventoryCommand({ TypeName: `Custom:Token${round}`, SchemaDeleteOption: 'DeleteSchema' }))
      assert.ok(deletion.DeletionId)
    }
    const raced = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => put(i % 2 ? ssmA : ssmB, 200 + i, `Custom:Race${i}`)))
    assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 3)
    assert.ok(raced.filter((r) => r.status === 'rejected').every((r) => ((r as PromiseRejectedResult).reason as Error).name === 'CustomSchemaCountLimitExceededException'))
  })

  it('finishes on node B, with exact counts, a deletion whose node A was killed', async () => {
    await ssmA.send(new DeleteInventoryCommand({ TypeName: 'Custom:Shared', SchemaDeleteOption: 'DeleteSchema' }))
    const content = Array.from({ length: 10 }, (_, i) => ({ Name: `n${i}` }))
    for (let start = 1000; start < 2500; start += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => put(ssmA, start + k, 'Custom:Bulk', start + k < 1800 ? '1.0' : '2.0', content)))
    }
    const started = await ssmA.send(new DeleteInventoryCommand({ TypeName: 'Custom:Bulk' }))
    assert.equal(started.DeletionSummary!.TotalCount, 1500)
    for (let i = 0; i < 100 && !/working deletion/.test(a.output()); i++) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 100))
    await a.kill()
    assert.match(a.output(), /working deletion/, 'node A had claimed the deletion')
    const during = (await ssmB.send(new DescribeInventoryDeletionsCommand({ DeletionId: started.DeletionId }))).InventoryDeletions![0]
    assert.equal(during.LastStatus, 'InProgress', 'the kill landed in the middle of the deletion')
    let done
    for (let i = 0; i < 200; i++) {
      done = (await ssmB.send(new DescribeInventoryDeletionsCommand({ DeletionId: started.DeletionId }))).InventoryDeletions![0]
      if (done.LastStatus === 'Complete') break
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.equal(done!.LastStatus, 'Complete')
    assert.equal(done!.DeletionSummary!.RemainingCount, 0)
    assert.deepEqual(done!.DeletionSummary!.SummaryItems, [
      { Version: '1.0', Count: 800, RemainingCount: 0 },
      { Version: '2.0', Count: 700, RemainingCount: 0 },
    ])
    assert.match(b.output(), /working deletion/, 'node B took the job over')
    const left = await ssmB.send(new GetInventoryCommand({ Filters: [{ Key: 'Custom:Bulk.Name', Values: ['n0'] }] }))
    assert.deepEqual(left.Entities, [])
  })
})

describe('puts to a few instances through two PostgreSQL nodes at once', () => {
  const schema = freshSchemaName()
  const deadlocks = () => withPostgres(async (client) => Number((await client.query(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`)).rows[0].deadlocks))
  after(() => dropSchema(schema))

  it('queue for each other instead of deadlocking', async () => {
    const args = ['--database-url', schemaUrl(schema)]
    const nodes = await Promise.all([startServerProcess({ args }), startServerProcess({ args })])
    const clients = nodes.map((node) => sdkClient(node.url))
    const types = ['Custom:Hot', 'Custom:Warm', 'Custom:Cold']
    const put = (client: SSMClient, n: number, note: string, typeNames = types) =>
      client.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: typeNames.map((TypeName) => ({ TypeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: note }] })) }))
    try {
      for (let n = 0; n < 4; n++) await put(clients[0], n, 'first', ['Custom:Hot'])
      const before = await deadlocks()
      // 32 callers, half on each node, 1,000 puts over 4 instances, each of some of three types
      // (items appear while other groups hold their instances): the groups of the two nodes keep
      // overlapping, in every order. Locking rows in the order met, such groups deadlocked about
      // once a second here (PostgreSQL aborted one after deadlock_timeout, and its puts were
      // written again one by one).
      let next = 0
      await Promise.all(Array.from({ length: 32 }, async (_, caller) => {
        for (let k = next++; k < 1000; k = next++) {
          const some = types.filter(() => Math.random() < 0.5)
          await put(clients[caller % 2], Math.floor(Math.random() * 4), `put-${k}`, some.length > 0 ? some : types)
        }
      }))
      const outputs = nodes.map((node) => node.output())
      await Promise.all(nodes.map((node) => node.stop())) // their connections' statistics are reported as they close
      assert.equal(await deadlocks(), before, 'PostgreSQL detected deadlocks between the nodes\' put groups')
      for (const output of outputs) assert.doesNotMatch(output, /a group of puts failed together/)
    } finally {
      for (const client of clients) client.destroy()
      for (const node of nodes) {
        if (node.child.exitCode === null && node.child.signalCode === null) await node.stop()
        removeDir(node.dataDir)
      }
    }
  })
})

describe('a node limited to one PostgreSQL connection', () => {
  const schema = freshSchemaName()
  let node: ServerProcess
  let ssm: SSMClient
  before(async () => {
    node = await startServerProcess({ args: ['--database-url', schemaUrl(schema), '--database-pool-size', '1', '--deletion-batch-size', '20', '--deletion-pause-ms', '5', '--deletion-poll-ms', '100'] })
    ssm = sdkClient(node.url)
  })
  after(async () => {
    ssm.destroy()
    await node.stop()
    removeDir(node.dataDir)
    await dropSchema(schema)
  })

  it('serves every operation at once, a deletion running, without opening a second connection', async () => {
    const content = (n: number) => [{ Name: `app-${n}`, Version: '1.0' }]
    for (let n = 0; n < 40; n++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Doomed', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(n) }] }))
    }
    // The kept types exist before the reads below ask for them (the puts that run beside those reads change no type).
    for (let k = 0; k < 3; k++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(99), Items: [{ TypeName: `Custom:Kept${k}`, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(k) }] }))
    }
    const { DeletionId } = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Doomed' }))
    // Meanwhile: group puts, a put that creates a type (a transaction of its own), reads and the worker's batches.
    await Promise.all([
      ...Array.from({ length: 30 }, (_, n) => ssm.send(new PutInventoryCommand({
        InstanceId: instanceId(100 + n),
        Items: [{ TypeName: `Custom:Kept${n % 3}`, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(n) }],
      }))),
      ssm.send(new PutInventoryCommand({ InstanceId: instanceId(98), Items: [{ TypeName: 'Custom:New', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(98) }] })),
      ...Array.from({ length: 5 }, () => ssm.send(new GetInventoryCommand({}))),
      ...Array.from({ length: 5 }, () => ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId }))),
      ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(101), TypeName: 'Custom:Kept1' })),
    ])
    let status: string | undefined
    for (let attempt = 0; attempt < 100 && status !== 'Complete'; attempt++) {
      const described = await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId }))
      status = described.InventoryDeletions?.[0]?.LastStatus
      if (status !== 'Complete') await new Promise((resolve) => setTimeout(resolve, 100))
      else assert.equal(described.InventoryDeletions?.[0]?.DeletionSummary?.TotalCount, 40)
    }
    assert.equal(status, 'Complete')
    const kept = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(129), TypeName: 'Custom:Kept2' }))
    assert.deepEqual(kept.Entries, content(29))
    const metrics = await (await fetch(`${node.url}/metrics`)).text()
    const open = (sample(metrics, 'ssm_inventory_database_connections', 'state="idle"') ?? -1) + (sample(metrics, 'ssm_inventory_database_connections', 'state="in_use"') ?? -1)
    assert.equal(open, 1, metrics.split('\n').filter((line) => line.startsWith('ssm_inventory_database')).join('\n'))
  })
})

/**
 * A round-robin reverse proxy, as a load balancer in front of the nodes. SigV4 signs the Host
 * header, so it must reach the nodes as the client sent it; `rewriteHost` plays a proxy that
 * replaces it with the node's address (nginx's default for proxy_pass).
 */
async function roundRobinProxy(targets: string[], options: { rewriteHost: boolean }): Promise<{ url: string; served: number[]; close(): Promise<void> }> {
  const served = targets.map(() => 0)
  let next = 0
  const proxy = createServer((req, res) => {
    const k = next++ % targets.length
    served[k]++
    const target = new URL(targets[k])
    const headers = { ...req.headers, ...(options.rewriteHost ? { host: target.host } : {}) }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    served,
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  }
}

describe('verifying nodes behind a load balancer', () => {
  const schema = freshSchemaName()
  const key = { accessKeyId: 'AKIALOADBALANCED0001', secretAccessKey: 'load-balanced-secret-1', accountId: '222233334444' }
  let keysDir: string
  let nodes: ServerProcess[]
  const clients: SSMClient[] = []
  const client = (url: string, secretAccessKey = key.secretAccessKey) => {
    const c = sdkClient(url, { accessKeyId: key.accessKeyId, secretAccessKey })
    clients.push(c)
    return c
  }
  before(async () => {
    keysDir = tempDataDir()
    writeFileSync(join(keysDir, 'keys.json'), JSON.stringify([key]))
    const args = ['--database-url', schemaUrl(schema), '--credentials-file', join(keysDir, 'keys.json')]
    nodes = await Promise.all([startServerProcess({ args }), startServerProcess({ args })])
  })
  after(async () => {
    for (const c of clients) c.destroy()
    await Promise.all(nodes.map((node) => node.stop()))
    for (const node of nodes) removeDir(node.dataDir)
    removeDir(keysDir)
    await dropSchema(schema)
  })

  it('verifies on every node the signatures made for the balancer\'s address, if the Host header passes unchanged', async () => {
    const balancer = await roundRobinProxy(nodes.map((node) => node.url), { rewriteHost: false })
    try {
      const ssm = client(balancer.url)
      for (let n = 1; n <= 4; n++) {
        await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [{ TypeName: 'Custom:Balanced', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Name: `n${n}` }] }] }))
      }
      const page = await ssm.send(new GetInventoryCommand({}))
      assert.deepEqual(page.Entities!.map((e) => e.Id), [1, 2, 3, 4].map(instanceId))
      const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(3), TypeName: 'Custom:Balanced' }))
      assert.deepEqual(entries.Entries, [{ Name: 'n3' }])
      const { DeletionId } = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Balanced' }))
      const described = await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId }))
      assert.equal(described.InventoryDeletions![0].DeletionSummary!.TotalCount, 4)
      assert.deepEqual(balancer.served.map((count) => count > 0), [true, true], `calls per node: ${balancer.served}`)
      await assert.rejects(client(balancer.url, 'not-the-secret').send(new GetInventoryCommand({})), { name: 'InvalidSignatureException' })
    } finally {
      await balancer.close()
    }
  })

  it('refuses every call with InvalidSignatureException when the balancer rewrites the Host header', async () => {
    const balancer = await roundRobinProxy(nodes.map((node) => node.url), { rewriteHost: true })
    try {
      const ssm = client(balancer.url)
      for (let k = 0; k < 2; k++) await assert.rejects(ssm.send(new GetInventorySchemaCommand({})), { name: 'InvalidSignatureException' })
      assert.deepEqual(balancer.served, [1, 1])
    } finally {
      await balancer.close()
    }
  })
})

for (const store of ['PostgreSQL', 'SQLite'] as const) describe(`two nodes on one ${store} database, writing and deleting one type at once, one killed now and then`, () => {
  const schema = freshSchemaName()
  const sharedDataDir = tempDataDir()
  const started: ServerProcess[] = []
  after(async () => {
    for (const node of started) if (node.child.exitCode === null && node.child.signalCode === null) await node.kill()
    for (const node of started) removeDir(node.dataDir)
    removeDir(sharedDataDir)
    if (store === 'PostgreSQL') await dropSchema(schema)
  })

  it('counts every deletion exactly, finishes it, and reads what the last acknowledged puts wrote', async () => {
    // fuzz/consistency.ts: see there what the model allows and what is checked.
    const startNode = async () => {
      const node = await startServerProcess(store === 'PostgreSQL'
        ? { args: ['--database-url', schemaUrl(schema), ...CONSISTENCY_NODE_ARGS] }
        : { dataDir: sharedDataDir, args: CONSISTENCY_NODE_ARGS })
      started.push(node)
      return node
    }
    const report = await runConsistency({ startNode, nodes: 2, seconds: 12, seed: store === 'PostgreSQL' ? 20261201 : 20261202, kills: true })
    assert.deepEqual(report.findings, [])
    // What the run went through, so that a run that tried little does not pass for one that checked much.
    assert.ok(report.acknowledgedPuts > 300, `${report.acknowledgedPuts} puts acknowledged`)
    assert.ok(report.kills >= 2, `${report.kills} kills`)
    const deletions = report.deletions.data + report.deletions.DisableSchema + report.deletions.DeleteSchema
    assert.ok(deletions >= 10 && report.partialDeletions >= 3 && report.mixedVersionDeletions >= 1, JSON.stringify(report))
    assert.ok(report.concurrentReads > 200, `${report.concurrentReads} reads checked while writers and deletions ran`)
    assert.ok(report.progressReads > 100, `${report.progressReads} deletion progress reads checked while deletions ran`)
    assert.equal(report.instancesChecked, 96) // 48 instances in each of two partitions
    for (const node of started) assert.doesNotMatch(node.output(), /unexpected error/)
  })
})
