/** GetInventory: filters, aggregators, groups, ResultAttributes and paging through the SDK v3, boto3 and the AWS CLI. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  DeleteInventoryCommand,
  GetInventoryCommand,
  paginateGetInventory,
  PutInventoryCommand,
  type GetInventoryCommandInput,
  type InventoryFilter,
  type InventoryItem,
  type SSMClient,
} from '@aws-sdk/client-ssm'
import { instanceInformationEntry, instanceInformationJson } from '../src/inventory/instance-information.js'
import { rejects } from './support/assertions.js'
import { awsCli, boto3, instanceId, sdkClient } from './support/clients.js'
import { removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'
const FLEET = 12

function item(typeName: string, content: Record<string, string>[], version = '1.0', extra: Partial<InventoryItem> = {}): InventoryItem {
  return { TypeName: typeName, SchemaVersion: version, CaptureTime: CAPTURE, Content: content, ...extra }
}

/** Instance n: Linux when n is odd; nginx everywhere, redis on multiples of 3; Custom:Disk sized n*5 GB. */
function fleetItems(n: number): InventoryItem[] {
  const linux = n % 2 === 1
  const apps = [{ Name: 'nginx', Version: n <= 6 ? '1.24' : '1.26' }]
  if (n % 3 === 0) apps.push({ Name: 'redis', Version: '7.2' })
  return [
    item('AWS:InstanceInformation', [{
      AgentType: 'amazon-ssm-agent', AgentVersion: '3.3.1', ComputerName: `host-${n}`, InstanceId: instanceId(n), IpAddress: `10.0.0.${n}`,
      PlatformName: linux ? 'Amazon Linux' : 'Microsoft Windows Server 2022', PlatformType: linux ? 'Linux' : 'Windows',
      PlatformVersion: linux ? '2023' : '10.0.20348', ResourceType: 'EC2Instance',
    }]),
    item('AWS:Application', apps, '1.1'),
    item('Custom:Disk', [{ Device: '/dev/xvda', SizeGb: String(n * 5) }], '1.0', { ContentHash: `disk-${n}` }),
  ]
}


describe('GetInventory', () => {
  let server: ServerProcess
  let ssm: SSMClient
  before(async () => {
    server = await startServerProcess()
    ssm = sdkClient(server.url)
    for (let n = 1; n <= FLEET; n++) await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: fleetItems(n) }))
  })
  after(async () => {
    ssm.destroy()
    await server.stop()
    removeDir(server.dataDir)
  })

  const ids = (entities: { Id?: string }[] | undefined) => (entities ?? []).map((e) => e.Id)
  const query = (input: GetInventoryCommandInput) => ssm.send(new GetInventoryCommand(input))
  const filtered = async (...filters: InventoryFilter[]) => ids((await query({ Filters: filters })).Entities)
  const idsOf = (...ns: number[]) => ns.map(instanceId)

  describe('entities', () => {
    it('returns one entity per instance with its instance information and every visible item', async () => {
      const result = await query({ MaxResults: 50 })
      assert.deepEqual(ids(result.Entities), idsOf(...Array.from({ length: FLEET }, (_, i) => i + 1)))
      assert.equal(result.NextToken, undefined)
      const third = result.Entities![2]
      assert.deepEqual(Object.keys(third.Data!).sort(), ['AWS:Application', 'AWS:InstanceInformation', 'Custom:Disk'])
      const info = third.Data!['AWS:InstanceInformation']
      assert.equal(info.TypeName, 'AWS:InstanceInformation')
      assert.equal(info.SchemaVersion, '1.0')
      assert.equal(info.CaptureTime, CAPTURE)
      // The reported details, then InstanceId and InstanceStatus (written out unparsed: instanceInformationJson).
      const { InstanceId: reportedId, ...details } = fleetItems(3)[0].Content![0]
      assert.equal(reportedId, instanceId(3))
      assert.deepEqual(info.Content, [{ ...details, InstanceId: instanceId(3), InstanceStatus: 'Active' }])
      assert.deepEqual(Object.keys(info.Content![0]), [...Object.keys(details), 'InstanceId', 'InstanceStatus'])
      assert.deepEqual(third.Data!['Custom:Disk'], {
        TypeName: 'Custom:Disk', SchemaVersion: '1.0', CaptureTime: CAPTURE, ContentHash: 'disk-3', Content: [{ Device: '/dev/xvda', SizeGb: '15' }],
      })
      assert.deepEqual(third.Data!['AWS:Application'].Content, [{ Name: 'nginx', Version: '1.24' }, { Name: 'redis', Version: '7.2' }])
    })

    it('narrows Data to AWS:InstanceInformation with ResultAttributes and refuses other types as AWS does', async () => {
      const result = await query({ ResultAttributes: [{ TypeName: 'AWS:InstanceInformation' }], MaxResults: 2 })
      assert.deepEqual(result.Entities!.map((e) => Object.keys(e.Data!)), [['AWS:InstanceInformation'], ['AWS:InstanceInformation']])
      // AWS's words, as users have reported them.
      const refusal = (typeName: string) =>
        `Result type name ${typeName} is not supported. Supported type names are: AWS:InstanceInformation, AWS:PatchSummary. Default result type name is AWS:InstanceInformation.`
      for (const typeName of ['AWS:Application', 'AWS:InstanceDetailedInformation', 'Custom:Disk']) {
        const error = await rejects(query({ ResultAttributes: [{ TypeName: typeName }] }), 'InvalidResultAttributeException')
        assert.equal(error.message, refusal(typeName))
      }
    })

    it('answers AWS:PatchSummary, which AWS also accepts, with the same entities and no patch data', async () => {
      const filters = [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Windows'], Type: 'Equal' as const }]
      const first = await query({ ResultAttributes: [{ TypeName: 'AWS:PatchSummary' }], Filters: filters, MaxResults: 4 })
      assert.deepEqual(first.Entities, idsOf(2, 4, 6, 8).map((Id) => ({ Id, Data: {} })))
      // Paging and filters as for any page; the token belongs to this query.
      const rest = await query({ ResultAttributes: [{ TypeName: 'AWS:PatchSummary' }], Filters: filters, MaxResults: 4, NextToken: first.NextToken })
      assert.deepEqual(ids(rest.Entities), idsOf(10, 12))
      await rejects(query({ ResultAttributes: [{ TypeName: 'AWS:InstanceInformation' }], Filters: filters, MaxResults: 4, NextToken: first.NextToken }), 'InvalidNextToken')
      // As scripts ask AWS for one instance's patch summary through boto3.
      const [one] = await boto3(server.url, [
        { op: 'GetInventory', params: { Filters: [{ Key: 'AWS:InstanceInformation.InstanceId', Values: [instanceId(3)] }], ResultAttributes: [{ TypeName: 'AWS:PatchSummary' }] } },
      ])
      assert.ok(one.ok, JSON.stringify(one))
      assert.deepEqual((one.result as any).Entities, [{ Id: instanceId(3), Data: {} }])
    })
  })

  describe('filters', () => {
    it('Equal with several values means any of them, on instance information and on items', async () => {
      assert.deepEqual(await filtered({ Key: 'AWS:InstanceInformation.InstanceId', Values: idsOf(4, 2, 99), Type: 'Equal' }), idsOf(2, 4))
      assert.deepEqual(await filtered({ Key: 'AWS:Application.Name', Values: ['redis', 'postgres'] }), idsOf(3, 6, 9, 12))
      assert.deepEqual(await filtered({ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Windows'], Type: 'Equal' }), idsOf(2, 4, 6, 8, 10, 12))
    })

    it('NotEqual, BeginWith and Exists', async () => {
      // An instance matches when one of its entries does: every instance has an app other than redis.
      assert.equal((await filtered({ Key: 'AWS:Application.Name', Values: ['redis'], Type: 'NotEqual' })).length, FLEET)
      assert.deepEqual(await filtered({ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'], Type: 'NotEqual' }), idsOf(2, 4, 6, 8, 10, 12))
      assert.deepEqual(await filtered({ Key: 'AWS:InstanceInformation.ComputerName', Values: ['host-1', 'host-5'], Type: 'BeginWith' }), idsOf(1, 5, 10, 11, 12))
      assert.deepEqual(await filtered({ Key: 'AWS:Application.Version', Values: ['7'], Type: 'BeginWith' }), idsOf(3, 6, 9, 12))
      assert.equal((await filtered({ Key: 'Custom:Disk.SizeGb', Values: ['x'], Type: 'Exists' })).length, FLEET)
      assert.deepEqual(await filtered({ Key: 'AWS:InstanceInformation.AgentType', Values: ['x'], Type: 'Exists' }), idsOf(...Array.from({ length: FLEET }, (_, i) => i + 1)))
    })

    it('LessThan and GreaterThan compare numbers as numbers', async () => {
      // "10" < "50" as numbers although "10" > "05" as text.
      assert.deepEqual(await filtered({ Key: 'Custom:Disk.SizeGb', Values: ['20'], Type: 'LessThan' }), idsOf(1, 2, 3))
      assert.deepEqual(await filtered({ Key: 'Custom:Disk.SizeGb', Values: ['45'], Type: 'GreaterThan' }), idsOf(10, 11, 12))
      assert.deepEqual(await filtered({ Key: 'AWS:Application.Version', Values: ['1.25'], Type: 'GreaterThan' }, { Key: 'AWS:Application.Name', Values: ['nginx'] }),
        idsOf(3, 6, 7, 8, 9, 10, 11, 12), 'redis 7.2 > 1.25 on every third instance, nginx 1.26 on 7-12; the filters may match different entries')
    })

    it('combines filters with AND', async () => {
      assert.deepEqual(await filtered(
        { Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] },
        { Key: 'AWS:Application.Name', Values: ['redis'] },
        { Key: 'Custom:Disk.SizeGb', Values: ['40'], Type: 'GreaterThan' },
      ), idsOf(9))
      assert.deepEqual(await filtered({ Key: 'AWS:Application.Name', Values: ['nginx'] }, { Key: 'AWS:Application.Name', Values: ['nothing'] }), [])
    })

    it('refuses unknown types, unknown attributes, malformed keys and impossible value lists', async () => {
      await rejects(query({ Filters: [{ Key: 'Custom:Nope.Size', Values: ['1'] }] }), 'InvalidTypeNameException', /Custom:Nope does not exist/)
      await rejects(query({ Filters: [{ Key: 'AWS:Bogus.Name', Values: ['1'] }] }), 'InvalidTypeNameException')
      await rejects(query({ Filters: [{ Key: 'Custom:Disk.Color', Values: ['1'] }] }), 'InvalidFilter', /'Color' is not an attribute of Custom:Disk/)
      await rejects(query({ Filters: [{ Key: 'PlatformType', Values: ['1'] }] }), 'InvalidFilter', /TypeName\.Attribute/)
      await rejects(query({ Filters: [{ Key: 'Custom:Disk.SizeGb', Values: ['1', '2'], Type: 'LessThan' }] }), 'InvalidFilter', /exactly one value/)
      await rejects(query({ Filters: [{ Key: 'Custom:Disk.SizeGb', Values: ['1'], Type: 'Bigger' as any }] }), 'ValidationException')
    })
  })

  describe('aggregators', () => {
    it('counts instances per value of an expression', async () => {
      const result = await query({ Aggregators: [{ Expression: 'AWS:InstanceInformation.PlatformType' }] })
      assert.equal(result.Entities!.length, 1)
      assert.equal(result.Entities![0].Id, undefined)
      assert.deepEqual(result.Entities![0].Data!['AWS:InstanceInformation'].Content, [{ PlatformType: 'Linux', Count: '6' }, { PlatformType: 'Windows', Count: '6' }])
      const apps = await query({ Aggregators: [{ Expression: 'AWS:Application.Name' }] })
      assert.deepEqual(apps.Entities![0].Data!['AWS:Application'], {
        TypeName: 'AWS:Application', SchemaVersion: '1.1', Content: [{ Name: 'nginx', Count: '12' }, { Name: 'redis', Count: '4' }],
      })
    })

    it('counts only the instances the filters select', async () => {
      const result = await query({
        Filters: [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] }],
        Aggregators: [{ Expression: 'AWS:Application.Name' }],
      })
      assert.deepEqual(result.Entities![0].Data!['AWS:Application'].Content, [{ Name: 'nginx', Count: '6' }, { Name: 'redis', Count: '2' }])
    })

    it('nests aggregators within a type (same entry) and across types', async () => {
      const nested = await query({ Aggregators: [{ Expression: 'AWS:Application.Name', Aggregators: [{ Expression: 'AWS:Application.Version' }] }] })
      assert.deepEqual(nested.Entities![0].Data!['AWS:Application'].Content, [
        { Name: 'nginx', Version: '1.24', Count: '6' },
        { Name: 'nginx', Version: '1.26', Count: '6' },
        { Name: 'redis', Version: '7.2', Count: '4' },
      ])
      const across = await query({ Aggregators: [{ Expression: 'AWS:InstanceInformation.PlatformType', Aggregators: [{ Expression: 'AWS:Application.Name' }] }] })
      assert.deepEqual(across.Entities![0].Data!['AWS:InstanceInformation'].Content, [
        { PlatformType: 'Linux', 'AWS:Application.Name': 'nginx', Count: '6' },
        { PlatformType: 'Linux', 'AWS:Application.Name': 'redis', Count: '2' },
        { PlatformType: 'Windows', 'AWS:Application.Name': 'nginx', Count: '6' },
        { PlatformType: 'Windows', 'AWS:Application.Name': 'redis', Count: '2' },
      ])
    })

    it('groups count matching and not matching instances', async () => {
      const result = await query({
        Filters: [{ Key: 'Custom:Disk.SizeGb', Values: ['50'], Type: 'LessThan' }],
        Aggregators: [{
          Groups: [
            { Name: 'WithRedis', Filters: [{ Key: 'AWS:Application.Name', Values: ['redis'] }] },
            { Name: 'LinuxWithNewNginx', Filters: [{ Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] }, { Key: 'AWS:Application.Version', Values: ['1.26'] }] },
          ],
        }],
      })
      assert.deepEqual(result.Entities![0].Data, {
        WithRedis: { TypeName: 'WithRedis', Content: [{ matchingCount: '3', notMatchingCount: '6' }] },
        LinuxWithNewNginx: { TypeName: 'LinuxWithNewNginx', Content: [{ matchingCount: '2', notMatchingCount: '7' }] },
      })
    })

    it('refuses invalid aggregators and groups', async () => {
      await rejects(query({ Aggregators: [{ Expression: 'AWS:Application.Colour' }] }), 'InvalidAggregatorException', /not an attribute/)
      await rejects(query({ Aggregators: [{ Expression: 'Custom:Missing.Name' }] }), 'InvalidAggregatorException', /does not exist/)
      await rejects(query({ Aggregators: [{}] }), 'InvalidAggregatorException', /needs an Expression/)
      await rejects(query({ Aggregators: [{ Expression: 'AWS:Application.Name', Groups: [{ Name: 'g', Filters: [{ Key: 'AWS:Application.Name', Values: ['x'] }] }] }] }),
        'InvalidAggregatorException', /either an Expression or Groups/)
      await rejects(query({ Aggregators: [{ Expression: 'AWS:Application.Name', Aggregators: [{ Groups: [{ Name: 'g', Filters: [{ Key: 'AWS:Application.Name', Values: ['x'] }] }] }] }] }),
        'InvalidAggregatorException')
      await rejects(query({ Aggregators: [{ Groups: [
        { Name: 'same', Filters: [{ Key: 'AWS:Application.Name', Values: ['x'] }] },
        { Name: 'same', Filters: [{ Key: 'AWS:Application.Name', Values: ['y'] }] },
      ] }] }), 'InvalidInventoryGroupException', /more than once/)
      await rejects(query({ Aggregators: [{ Groups: [{ Name: 'g', Filters: [{ Key: 'Custom:Missing.Name', Values: ['x'] }] }] }] }), 'InvalidInventoryGroupException', /does not exist/)
      await rejects(query({ Aggregators: [{ Groups: [{ Name: 'g', Filters: [{ Key: 'Custom:Disk.SizeGb', Values: ['1', '2'], Type: 'GreaterThan' }] }] }] }),
        'InvalidInventoryGroupException', /exactly one value/)
      let deep: any = { Expression: 'AWS:Application.Name' }
      for (let i = 0; i < 6; i++) deep = { Expression: i % 2 ? 'AWS:Application.Name' : 'AWS:Application.Version', Aggregators: [deep] }
      await rejects(query({ Aggregators: [deep] }), 'InvalidAggregatorException')
    })
  })

  describe('paging', () => {
    it('the SDK paginator returns every instance exactly once', async () => {
      const seen: string[] = []
      let pages = 0
      for await (const page of paginateGetInventory({ client: ssm, pageSize: 5 }, {})) {
        pages++
        assert.ok(page.Entities!.length <= 5)
        seen.push(...ids(page.Entities) as string[])
      }
      assert.equal(pages, 3)
      assert.deepEqual(seen, idsOf(...Array.from({ length: FLEET }, (_, i) => i + 1)))
    })

    it('stays stable while other instances are written between pages', async () => {
      const first = await query({ MaxResults: 4 })
      // New instances sort before and after the cursor; existing ones are rewritten.
      await ssm.send(new PutInventoryCommand({ InstanceId: 'i-00000000000000000', Items: fleetItems(0 + 2) }))
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(2), Items: fleetItems(2) }))
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(100), Items: fleetItems(100) }))
      const seen = ids(first.Entities) as string[]
      let token = first.NextToken
      while (token) {
        const page = await query({ MaxResults: 4, NextToken: token })
        seen.push(...ids(page.Entities) as string[])
        token = page.NextToken
      }
      const original = idsOf(...Array.from({ length: FLEET }, (_, i) => i + 1))
      for (const id of original) assert.equal(seen.filter((s) => s === id).length, 1, `${id} exactly once`)
      assert.ok(seen.includes(instanceId(100)), 'an instance added after the cursor is reached')
      assert.ok(!seen.includes('i-00000000000000000'), 'an instance added before the cursor is not')
    })

    it('refuses forged tokens and tokens of another query', async () => {
      const page = await query({ MaxResults: 2 })
      await rejects(query({ MaxResults: 2, NextToken: page.NextToken + 'x' }), 'InvalidNextToken')
      await rejects(query({ MaxResults: 2, NextToken: 'garbage' }), 'InvalidNextToken')
      await rejects(query({ MaxResults: 2, NextToken: page.NextToken, Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'] }] }), 'InvalidNextToken')
      await rejects(query({ MaxResults: 0 }), 'ValidationException', /greater than or equal to 1/)
      await rejects(query({ MaxResults: 51 }), 'ValidationException', /less than or equal to 50/)
    })

    it('boto3 and the AWS CLI page to the end', async () => {
      const [paged, errored] = await boto3(server.url, [
        { op: 'GetInventory', params: { Filters: [{ Key: 'AWS:Application.Name', Values: ['nginx'], Type: 'Equal' }], PaginationConfig: { PageSize: 4 } }, paginate: true },
        { op: 'GetInventory', params: { Filters: [{ Key: 'Custom:Nope.X', Values: ['1'] }] } },
      ])
      assert.ok(paged.ok, JSON.stringify(paged))
      const pages = paged.result as any[]
      const all = pages.flatMap((p) => p.Entities.map((e: any) => e.Id))
      assert.equal(all.length, new Set(all).size)
      assert.ok(all.length >= FLEET)
      assert.ok(pages.length >= 3)
      assert.ok(!errored.ok && errored.code === 'InvalidTypeNameException' && errored.status === 400)

      const cli = await awsCli(server.url, ['get-inventory', '--page-size', '3', '--filters', 'Key=AWS:InstanceInformation.PlatformType,Values=Linux,Type=Equal'])
      assert.equal(cli.code, 0, cli.stderr)
      const linux = cli.json.Entities.map((e: any) => e.Id)
      assert.equal(linux.length, new Set(linux).size)
      assert.ok([1, 3, 5, 7, 9, 11].every((n) => linux.includes(instanceId(n))))
      const aggregated = await awsCli(server.url, ['get-inventory', '--aggregators', 'Expression=AWS:InstanceInformation.PlatformType'])
      assert.equal(aggregated.code, 0, aggregated.stderr)
      assert.ok(aggregated.json.Entities[0].Data['AWS:InstanceInformation'].Content.some((c: any) => c.PlatformType === 'Linux'))
    })
  })

  describe('instance status and deleted types', () => {
    it('a terminated instance keeps its inventory and shows its status', async () => {
      const terminated = item('AWS:InstanceInformation', [{ InstanceId: instanceId(7), InstanceStatus: 'Terminated', PlatformType: 'Linux', PlatformName: 'Amazon Linux' }])
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(7), Items: [terminated] }))
      const result = await query({ Filters: [{ Key: 'AWS:InstanceInformation.InstanceStatus', Values: ['Terminated'] }] })
      assert.deepEqual(ids(result.Entities), [instanceId(7)])
      const data = result.Entities![0].Data!
      assert.equal(data['AWS:InstanceInformation'].Content![0].InstanceStatus, 'Terminated')
      assert.deepEqual(data['Custom:Disk'].Content, [{ Device: '/dev/xvda', SizeGb: '35' }])
      await rejects(ssm.send(new PutInventoryCommand({ InstanceId: instanceId(7), Items: fleetItems(7) })), 'InvalidInstanceId')
    })

    it('disabled and deleted types disappear from entities, filters and aggregations', async () => {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [item('Custom:Gone', [{ K: 'v' }])] }))
      assert.ok((await query({ Filters: [{ Key: 'AWS:InstanceInformation.InstanceId', Values: [instanceId(1)] }] })).Entities![0].Data!['Custom:Gone'])
      await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Gone', SchemaDeleteOption: 'DisableSchema' }))
      const entity = (await query({ Filters: [{ Key: 'AWS:InstanceInformation.InstanceId', Values: [instanceId(1)] }] })).Entities![0]
      assert.equal(entity.Data!['Custom:Gone'], undefined)
      await rejects(query({ Filters: [{ Key: 'Custom:Gone.K', Values: ['v'] }] }), 'InvalidTypeNameException')
      await rejects(query({ Aggregators: [{ Expression: 'Custom:Gone.K' }] }), 'InvalidAggregatorException')

      // A data-only delete keeps the type: it can be filtered on, and matches nothing until new data arrives.
      await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:Disk' }))
      assert.deepEqual(await filtered({ Key: 'Custom:Disk.SizeGb', Values: ['x'], Type: 'Exists' }), [])
      const all = await query({ MaxResults: 50 })
      assert.ok(all.Entities!.every((e) => e.Data!['Custom:Disk'] === undefined))
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(4), Items: [item('Custom:Disk', [{ Device: '/dev/sdb', SizeGb: '1' }])] }))
      assert.deepEqual(await filtered({ Key: 'Custom:Disk.SizeGb', Values: ['x'], Type: 'Exists' }), [instanceId(4)])
    })
  })
})

describe('GetInventory pages of large inventory', () => {
  // 24 instances with 5 items of ~160 KB each: 19 MB of content, more than one page carries
  // (16 Mi characters, src/store/page-budget.ts). A page of 50 comes back shorter, with a token.
  const INSTANCES = 24
  const TYPES = 5
  const large = (n: number, t: number) => Array.from({ length: 800 }, (_, e) => ({ Name: `i${n}-t${t}-e${e}`, Value: 'v'.repeat(180) }))
  let server: ServerProcess
  let ssm: SSMClient
  before(async () => {
    server = await startServerProcess()
    ssm = sdkClient(server.url)
    for (let n = 1; n <= INSTANCES; n++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: Array.from({ length: TYPES }, (_, t) => item(`Custom:Large${t}`, large(n, t))) }))
    }
  })
  after(async () => {
    ssm.destroy()
    await server.stop()
    removeDir(server.dataDir)
  })

  it('ends a page early with a NextToken, and the SDK, boto3 and the CLI read every instance whole, once', async () => {
    const first = await ssm.send(new GetInventoryCommand({ MaxResults: 50 }))
    const firstCount = first.Entities!.length
    assert.ok(firstCount > 1 && firstCount < INSTANCES, `a shorter page (${firstCount} entities)`)
    assert.ok(first.NextToken)

    const seen: string[] = []
    for await (const page of paginateGetInventory({ client: ssm, pageSize: 50 }, {})) {
      for (const entity of page.Entities ?? []) {
        seen.push(entity.Id!)
        const n = Number.parseInt(entity.Id!.slice(2), 16)
        for (let t = 0; t < TYPES; t++) assert.deepEqual(entity.Data![`Custom:Large${t}`].Content, large(n, t), `${entity.Id} Custom:Large${t}`)
      }
    }
    assert.deepEqual(seen, idsOf(INSTANCES))

    const [paged] = await boto3(server.url, [{ op: 'GetInventory', params: { PaginationConfig: { PageSize: 50 } }, paginate: true }])
    assert.ok(paged.ok, JSON.stringify(paged).slice(0, 500))
    const pages = paged.result as any[]
    assert.deepEqual(pages.map((p) => p.Entities.length), [firstCount, INSTANCES - firstCount])
    assert.deepEqual(pages.flatMap((p) => p.Entities.map((e: any) => e.Id)), idsOf(INSTANCES))

    const cli = await awsCli(server.url, ['get-inventory', '--page-size', '50', '--query', 'Entities[].Id'])
    assert.equal(cli.code, 0, cli.stderr)
    assert.deepEqual(cli.json, idsOf(INSTANCES))
  })

  function idsOf(count: number): string[] {
    return Array.from({ length: count }, (_, i) => instanceId(i + 1))
  }
})

describe('GetInventory aggregations over many distinct values', () => {
  // 101 instances with 1,000 distinct names each: 101,000 values, past the 100,000 combinations
  // one request counts (src/inventory/inventory-aggregation.ts); the first 100 instances reach it exactly.
  let server: ServerProcess
  let ssm: SSMClient
  before(async () => {
    server = await startServerProcess()
    ssm = sdkClient(server.url)
    for (let n = 1; n <= 101; n++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [
        item('Custom:Serials', Array.from({ length: 1000 }, (_, e) => ({ Serial: `s-${n}-${e}`, Batch: n === 101 ? 'late' : 'early' }))),
      ] }))
    }
  })
  after(async () => {
    ssm.destroy()
    await server.stop()
    removeDir(server.dataDir)
  })

  it('refuses to count more than 100,000 combinations, saying how to narrow them, and counts up to that many', async () => {
    await rejects(ssm.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Serials.Serial' }] })), 'InvalidAggregatorException', /more than 100000 combinations of values; narrow them with Filters/)
    // Over several paths together too: 2 + 101,000.
    await rejects(ssm.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Serials.Batch' }, { Expression: 'Custom:Serials.Serial' }] })), 'InvalidAggregatorException')
    const early = await ssm.send(new GetInventoryCommand({
      Filters: [{ Key: 'Custom:Serials.Batch', Values: ['early'], Type: 'Equal' }],
      Aggregators: [{ Expression: 'Custom:Serials.Serial' }],
    }))
    const counted = early.Entities![0].Data!['Custom:Serials'].Content!
    assert.equal(counted.length, 100_000)
    assert.ok(counted.every((row) => row.Count === '1'))
  })
})

describe('instanceInformationJson', () => {
  const entry = (detailsJson: string, status = 'Active') => instanceInformationJson({ instanceId: 'i-0123456789abcdef0', status, detailsJson, lastSeen: 0 })
  const expected = (details: Record<string, string>, status = 'Active') => JSON.stringify(instanceInformationEntry({ instanceId: 'i-0123456789abcdef0', status, details, firstSeen: 0, lastSeen: 0 }))

  it('writes the text the entry object serialises to, for every kind of details', () => {
    const cases: Record<string, string>[] = [
      {},
      { PlatformType: 'Linux', PlatformName: 'Amazon Linux' },
      // Integer-like keys come first in an object, and so in the stored text.
      { b: '1', 2: 'two', 1: 'one' },
      { Quote: 'say "InstanceId"', Slash: 'a\\b', Nul: 'x\u0000y', Wide: '\u{1F600} é', Line: 'a\nb' },
      // Keys of the entry's own: the entry's values win, in the details' places.
      { InstanceStatus: 'Stopped', PlatformType: 'Linux' },
      { PlatformType: 'Linux', InstanceId: 'i-other' },
    ]
    for (const details of cases) {
      for (const status of ['Active', 'Terminated', 'odd "status" \u0001']) assert.equal(entry(JSON.stringify(details), status), expected(details, status), JSON.stringify(details))
    }
  })
})
