/** DeleteInventory and DescribeInventoryDeletions: the asynchronous deletion lifecycle through real clients. */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  DeleteInventoryCommand,
  DescribeInventoryDeletionsCommand,
  GetInventorySchemaCommand,
  ListInventoryEntriesCommand,
  PutInventoryCommand,
  type InventoryDeletionStatusItem,
  type SSMClient,
} from '@aws-sdk/client-ssm'
import { awsCli, boto3, instanceId, rawCall, sdkClient } from './support/clients.js'
import { removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'

async function rejects(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: any) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`)
    if (message) assert.match(error.message, message)
    return true
  })
}

describe('deletion lifecycle', () => {
  let server: ServerProcess
  let ssm: SSMClient
  before(async () => {
    // Small, slow batches so that progress can be watched.
    server = await startServerProcess({ args: ['--deletion-batch-size', '3', '--deletion-pause-ms', '40'] })
    ssm = sdkClient(server.url)
  })
  after(async () => {
    ssm.destroy()
    await server.stop()
    removeDir(server.dataDir)
  })

  const put = (id: number, typeName: string, version: string, content: Record<string, string>[]) =>
    ssm.send(new PutInventoryCommand({ InstanceId: instanceId(id), Items: [{ TypeName: typeName, SchemaVersion: version, CaptureTime: CAPTURE, Content: content }] }))
  const entries = async (id: number, typeName: string) => (await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(id), TypeName: typeName }))).Entries
  const describeOne = async (deletionId: string) => (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletionId }))).InventoryDeletions![0]
  const schemaNames = async () => (await ssm.send(new GetInventorySchemaCommand({}))).Schemas!.map((s) => s.TypeName)

  async function untilComplete(deletionId: string): Promise<InventoryDeletionStatusItem[]> {
    const polls: InventoryDeletionStatusItem[] = []
    const deadline = Date.now() + 30_000
    for (;;) {
      const status = await describeOne(deletionId)
      polls.push(status)
      if (status.LastStatus === 'Complete') return polls
      assert.ok(Date.now() < deadline, `deletion ${deletionId} did not complete: ${JSON.stringify(status)}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** Instances 1-12 on version 1.0, 13-20 on 2.0 of the type. */
  async function seed(typeName: string): Promise<void> {
    for (let id = 1; id <= 20; id++) {
      if (id === 13) await put(id, typeName, '2.0', [{ Name: 'a', Size: '1' }])
      else await put(id, typeName, id > 13 ? '2.0' : '1.0', [{ Name: `n${id}` }, { Name: `m${id}` }])
    }
  }

  it('DryRun reports per-version counts and changes nothing', async () => {
    await seed('Custom:Dry')
    const before = (await ssm.send(new DescribeInventoryDeletionsCommand({}))).InventoryDeletions!.length
    const dry = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Dry', DryRun: true, SchemaDeleteOption: 'DeleteSchema' }))
    assert.equal(dry.DeletionId, undefined)
    assert.deepEqual(dry.DeletionSummary, {
      TotalCount: 20,
      RemainingCount: 20,
      SummaryItems: [{ Version: '1.0', Count: 12, RemainingCount: 12 }, { Version: '2.0', Count: 8, RemainingCount: 8 }],
    })
    assert.equal((await ssm.send(new DescribeInventoryDeletionsCommand({}))).InventoryDeletions!.length, before)
    assert.equal((await entries(5, 'Custom:Dry'))!.length, 2)
    assert.ok((await schemaNames()).includes('Custom:Dry'))
  })

  it('deletes the data in the background with exact, falling counts, and keeps the type', async () => {
    await seed('Custom:Data')
    const started = Date.now() / 1000
    const result = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Data' }))
    assert.match(result.DeletionId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(result.TypeName, 'Custom:Data')
    assert.deepEqual(result.DeletionSummary!.SummaryItems, [{ Version: '1.0', Count: 12, RemainingCount: 12 }, { Version: '2.0', Count: 8, RemainingCount: 8 }])
    // The data is gone from reads at once; the type stays.
    assert.deepEqual(await entries(3, 'Custom:Data'), [])
    assert.ok((await schemaNames()).includes('Custom:Data'))

    const polls = await untilComplete(result.DeletionId!)
    const inProgress = polls.filter((p) => p.LastStatus === 'InProgress')
    assert.ok(inProgress.length >= 2, 'progress was observable')
    for (const poll of polls) {
      const summary = poll.DeletionSummary!
      assert.equal(summary.TotalCount, 20)
      assert.equal(summary.RemainingCount, summary.SummaryItems!.reduce((s, v) => s + v.RemainingCount!, 0), 'the total is the sum of the versions')
    }
    const remaining = polls.map((p) => p.DeletionSummary!.RemainingCount!)
    assert.deepEqual(remaining, [...remaining].sort((a, b) => b - a), 'RemainingCount never rises')
    const last = polls[polls.length - 1]
    assert.equal(last.LastStatusMessage, 'Deletion is successful')
    assert.deepEqual(last.DeletionSummary!.SummaryItems!.map((v) => v.RemainingCount), [0, 0])
    assert.equal(inProgress[0].LastStatusMessage, 'The Delete is in progress')
    assert.ok(Math.abs(last.DeletionStartTime!.getTime() / 1000 - started) < 5)
    assert.ok(last.LastStatusUpdateTime!.getTime() >= last.DeletionStartTime!.getTime())
    // The type still takes new data at its current version.
    await put(1, 'Custom:Data', '2.0', [{ Name: 'again' }])
    assert.deepEqual(await entries(1, 'Custom:Data'), [{ Name: 'again' }])
  })

  it('DisableSchema hides the type until a higher version is put, without bringing old data back', async () => {
    await seed('Custom:Disabled')
    const result = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Disabled', SchemaDeleteOption: 'DisableSchema' }))
    assert.ok(!(await schemaNames()).includes('Custom:Disabled'))
    await rejects(entries(1, 'Custom:Disabled'), 'InvalidTypeNameException')
    await rejects(put(1, 'Custom:Disabled', '2.0', [{ Name: 'same version' }]), 'UnsupportedInventorySchemaVersionException', /disabled at schema version 2\.0/)
    await rejects(put(1, 'Custom:Disabled', '1.5', [{ Name: 'lower' }]), 'UnsupportedInventorySchemaVersionException')
    await put(1, 'Custom:Disabled', '3.0', [{ Other: 'enabled again' }])
    assert.ok((await schemaNames()).includes('Custom:Disabled'))
    assert.deepEqual(await entries(1, 'Custom:Disabled'), [{ Other: 'enabled again' }])
    assert.deepEqual(await entries(2, 'Custom:Disabled'), [], 'deleted data stays deleted')
    const polls = await untilComplete(result.DeletionId!)
    assert.equal(polls[polls.length - 1].DeletionSummary!.RemainingCount, 0)
    assert.deepEqual(await entries(1, 'Custom:Disabled'), [{ Other: 'enabled again' }], 'new data survives the deletion')
  })

  it('DeleteSchema removes the type; a later put recreates it from any version', async () => {
    await seed('Custom:Gone')
    const result = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Gone', SchemaDeleteOption: 'DeleteSchema' }))
    assert.ok(!(await schemaNames()).includes('Custom:Gone'))
    await rejects(ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Gone' })), 'InvalidTypeNameException')
    await untilComplete(result.DeletionId!)
    assert.deepEqual((await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Gone' }))).Schemas, [])
    await put(4, 'Custom:Gone', '0.1', [{ Fresh: 'yes' }])
    const schema = (await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Gone' }))).Schemas!
    assert.deepEqual(schema, [{ TypeName: 'Custom:Gone', Version: '0.1', Attributes: [{ Name: 'Fresh', DataType: 'string' }] }])
    assert.deepEqual(await entries(5, 'Custom:Gone'), [])
  })

  it('refuses AWS types, unknown types and unknown options', async () => {
    await rejects(ssm.send(new DeleteInventoryCommand({ TypeName: 'AWS:Application' })), 'InvalidTypeNameException', /Only custom inventory types/)
    await rejects(ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:NeverPut' })), 'InvalidTypeNameException', /does not exist/)
    await rejects(ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:NeverPut', DryRun: true })), 'InvalidTypeNameException')
    const option = await rawCall(server.url, 'AmazonSSM.DeleteInventory', { TypeName: 'Custom:Data', SchemaDeleteOption: 'Obliterate' })
    assert.equal(option.status, 400)
    assert.equal(option.json.__type, 'InvalidOptionException')
    assert.match(option.json.message, /Obliterate/)
  })

  it('returns the same deletion for a repeated ClientToken and refuses it with other parameters', async () => {
    await seed('Custom:Token')
    const token = randomUUID()
    const first = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Token', ClientToken: token }))
    const again = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Token', ClientToken: token }))
    assert.equal(again.DeletionId, first.DeletionId)
    await rejects(
      ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Token', ClientToken: token, SchemaDeleteOption: 'DeleteSchema' })),
      'InvalidDeleteInventoryParametersException',
      /already used/,
    )
    const all = (await ssm.send(new DescribeInventoryDeletionsCommand({}))).InventoryDeletions!
    assert.equal(all.filter((d) => d.TypeName === 'Custom:Token').length, 1, 'one job')
    await untilComplete(first.DeletionId!)
    // After completion the token still answers with the same deletion.
    assert.equal((await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Token', ClientToken: token }))).DeletionId, first.DeletionId)
    // Tokens belong to an account and region: the same token elsewhere is a fresh token.
    const other = sdkClient(server.url, { accessKeyId: '210987654321' })
    await other.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Token', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ A: '1' }] }] }))
    const elsewhere = await other.send(new DeleteInventoryCommand({ TypeName: 'Custom:Token', ClientToken: token }))
    assert.notEqual(elsewhere.DeletionId, first.DeletionId)
    await rejects(other.send(new DescribeInventoryDeletionsCommand({ DeletionId: first.DeletionId })), 'InvalidDeletionIdException')
    other.destroy()
  })

  it('keeps data put during a data-only deletion and never brings deleted data back', async () => {
    await seed('Custom:Busy')
    for (let id = 21; id <= 40; id++) await put(id, 'Custom:Busy', '2.0', [{ Name: `extra${id}` }])
    const result = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Busy' }))
    assert.equal(result.DeletionSummary!.TotalCount, 40)
    // While it runs: new instances and replacements of items it has not reached yet.
    await put(50, 'Custom:Busy', '2.0', [{ Name: 'new instance' }])
    await put(39, 'Custom:Busy', '2.0', [{ Name: 'replaced' }])
    await put(40, 'Custom:Busy', '2.0', [{ Name: 'replaced too' }])
    assert.deepEqual(await entries(38, 'Custom:Busy'), [], 'pending items are not visible')
    // A second deletion of the type while the first runs covers only what was put since.
    const second = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Busy', DryRun: true }))
    assert.equal(second.DeletionSummary!.TotalCount, 3)
    const polls = await untilComplete(result.DeletionId!)
    const final = polls[polls.length - 1].DeletionSummary!
    assert.equal(final.TotalCount, 40)
    assert.equal(final.RemainingCount, 0)
    assert.deepEqual(final.SummaryItems!.map((v) => v.RemainingCount), [0, 0])
    assert.deepEqual(await entries(50, 'Custom:Busy'), [{ Name: 'new instance' }])
    assert.deepEqual(await entries(39, 'Custom:Busy'), [{ Name: 'replaced' }])
    assert.deepEqual(await entries(40, 'Custom:Busy'), [{ Name: 'replaced too' }])
    assert.deepEqual(await entries(1, 'Custom:Busy'), [])
  })

  it('lists deletions newest first and pages them for the boto3 paginator', async () => {
    const all = (await ssm.send(new DescribeInventoryDeletionsCommand({}))).InventoryDeletions!
    assert.equal(all.length, 5, 'Data, Disabled, Gone, Token and Busy; a DryRun records nothing')
    const starts = all.map((d) => d.DeletionStartTime!.getTime())
    assert.deepEqual(starts, [...starts].sort((a, b) => b - a))
    const [paged, single, unknown, badToken] = await boto3(server.url, [
      { op: 'DescribeInventoryDeletions', params: { PaginationConfig: { PageSize: 2 } }, paginate: true },
      { op: 'DescribeInventoryDeletions', params: { DeletionId: all[0].DeletionId } },
      { op: 'DescribeInventoryDeletions', params: { DeletionId: randomUUID() } },
      { op: 'DescribeInventoryDeletions', params: { NextToken: 'bogus' } },
    ])
    assert.ok(paged.ok)
    const pages = paged.result as any[]
    assert.equal(pages.length, Math.ceil(all.length / 2))
    assert.deepEqual(pages.flatMap((p) => p.InventoryDeletions.map((d: any) => d.DeletionId)), all.map((d) => d.DeletionId))
    assert.ok(single.ok)
    assert.equal(single.result.InventoryDeletions[0].DeletionId, all[0].DeletionId)
    assert.ok(!unknown.ok && unknown.code === 'InvalidDeletionIdException' && unknown.status === 400)
    assert.ok(!badToken.ok && badToken.code === 'InvalidNextToken')
  })

  it('works from the AWS CLI: delete-inventory --dry-run and describe-inventory-deletions', async () => {
    await seed('Custom:Cli')
    const dry = await awsCli(server.url, ['delete-inventory', '--type-name', 'Custom:Cli', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.json.DeletionSummary.TotalCount, 20)
    const started = await awsCli(server.url, ['delete-inventory', '--type-name', 'Custom:Cli', '--schema-delete-option', 'DeleteSchema'])
    assert.equal(started.code, 0, started.stderr)
    await untilComplete(started.json.DeletionId)
    const described = await awsCli(server.url, ['describe-inventory-deletions', '--deletion-id', started.json.DeletionId])
    assert.equal(described.code, 0, described.stderr)
    assert.equal(described.json.InventoryDeletions[0].LastStatus, 'Complete')
    assert.equal(described.json.InventoryDeletions[0].DeletionSummary.RemainingCount, 0)
    const listed = await awsCli(server.url, ['describe-inventory-deletions', '--page-size', '1'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.equal(listed.json.InventoryDeletions.length, 6, 'the CLI pages through every deletion')
    const unknown = await awsCli(server.url, ['describe-inventory-deletions', '--deletion-id', randomUUID()])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /InvalidDeletionIdException/)
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(server.output(), /unexpected error/)
  })
})

describe('deletion retention', () => {
  it('forgets Complete deletions after the retention period', async () => {
    const server = await startServerProcess({ args: ['--deletion-retention-days', '0', '--deletion-poll-ms', '50'] })
    const ssm = sdkClient(server.url)
    try {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Brief', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ A: '1' }] }] }))
      const { DeletionId } = await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Brief' }))
      const deadline = Date.now() + 10_000
      for (;;) {
        try {
          await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId }))
        } catch (error: any) {
          assert.equal(error.name, 'InvalidDeletionIdException')
          break
        }
        assert.ok(Date.now() < deadline, 'the deletion was not forgotten')
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      ssm.destroy()
      await server.stop()
      removeDir(server.dataDir)
    }
  })
})
