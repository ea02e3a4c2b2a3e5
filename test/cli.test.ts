/** The ssm-inventory command-line tool, through its real binary against a running server. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GetInventorySchemaCommand, ListInventoryEntriesCommand, PutInventoryCommand } from '@aws-sdk/client-ssm'
import { settings } from '../src/config.js'
import { ACCOUNT, instanceId, sdkClient } from './support/clients.js'
import { sample } from './support/metrics.js'
import { postgresMigrations } from '../src/store/postgres/postgres-migrations.js'
import { sqliteMigrations } from '../src/store/sqlite/sqlite-migrations.js'
import { schemaUrl } from './support/postgres.js'
import { CLI, ON_POSTGRES, removeDir, schemaOf, startServerProcess, tempDataDir, type ServerProcess } from './support/server-process.js'

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-west-2', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }))
    child.stdin?.end()
  })
}

describe('command-line tool', () => {
  let server: ServerProcess
  let at: string[]
  before(async () => {
    server = await startServerProcess()
    at = ['--endpoint-url', server.url]
    const ssm = sdkClient(server.url)
    for (let n = 1; n <= 30; n++) {
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: [
        { TypeName: 'Custom:Rack', SchemaVersion: n <= 10 ? '1.0' : '2.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ Rack: `R${n}` }] },
        { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ ComputerName: `host-${n}`, PlatformName: 'Amazon Linux' }] },
      ] }))
    }
    ssm.destroy()
  })
  after(async () => {
    await server.stop()
    removeDir(server.dataDir)
  })

  it('lists types and instances as tables and as JSON', async () => {
    const types = await cli(['types', ...at])
    assert.equal(types.code, 0, types.stderr)
    assert.match(types.stdout, /^TYPE\s+VERSION\s+ATTRIBUTES\n/)
    assert.match(types.stdout, /Custom:Rack\s+2\.0\s+Rack/)
    assert.equal(types.stderr, '', 'no warnings on stderr')
    const instances = await cli(['instances', '--json', ...at])
    assert.equal(instances.code, 0, instances.stderr)
    const rows = JSON.parse(instances.stdout)
    assert.equal(rows.length, 30)
    assert.equal(rows[0].ComputerName, 'host-1')
  })

  it('counts instances per value and per pair of values, within filters written as the AWS CLI writes them or as JSON', async () => {
    const byPlatform = await cli(['count', 'AWS:InstanceInformation.PlatformName', ...at])
    assert.equal(byPlatform.code, 0, byPlatform.stderr)
    assert.equal(byPlatform.stdout, 'AWS:InstanceInformation.PlatformName  INSTANCES\nAmazon Linux                          30\n')
    assert.equal(byPlatform.stderr, '')

    const racks = await cli(['count', 'Custom:Rack.Rack', '--filter', 'Key=Custom:Rack.Rack,Values=R2,R12,R30,Type=Equal', ...at])
    assert.equal(racks.code, 0, racks.stderr)
    assert.deepEqual(racks.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/)), [['Custom:Rack.Rack', 'INSTANCES'], ['R12', '1'], ['R2', '1'], ['R30', '1']])

    // Two expressions and two filters (ANDed: BeginWith R1 and not R1 itself), as JSON.
    const pairs = await cli(['count', 'AWS:InstanceInformation.PlatformName', '--then', 'Custom:Rack.Rack', '--json',
      '--filter', 'Key=Custom:Rack.Rack,Values=R1,Type=BeginWith', '--filter', '{"Key": "Custom:Rack.Rack", "Values": ["R1"], "Type": "NotEqual"}', ...at])
    assert.equal(pairs.code, 0, pairs.stderr)
    const rows = JSON.parse(pairs.stdout) as Record<string, unknown>[]
    assert.deepEqual(rows.map((row) => row['Custom:Rack.Rack']), ['R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'R16', 'R17', 'R18', 'R19'])
    assert.deepEqual(rows[0], { 'AWS:InstanceInformation.PlatformName': 'Amazon Linux', 'Custom:Rack.Rack': 'R10', Instances: 1 })

    const refused = await cli(['count', 'Custom:Nope.Rack', ...at])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^ssm-inventory count: InvalidAggregatorException: /)
    for (const bad of [['count', ...at], ['count', 'Custom:Rack.Rack', '--filter', 'Values=R1', ...at], ['count', 'Custom:Rack.Rack', '--filter', 'Key=Custom:Rack.Rack,Vals=R1', ...at], ['count', 'Custom:Rack.Rack', '--filter', '{"Key": 1}', ...at]]) {
      const usage = await cli(bad)
      assert.equal(usage.code, 2, `${bad.join(' ')}: ${usage.stderr}`)
      assert.match(usage.stderr, /^ssm-inventory count: /)
    }
  })

  it('shows the dry-run summary, refuses to delete unconfirmed, deletes with --yes and follows to Complete', async () => {
    const dry = await cli(['delete', 'Custom:Rack', '--dry-run', ...at])
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.stdout.trim(), 'Custom:Rack: would delete 30 items (version 1.0: 10 items, version 2.0: 20 items)')
    assert.deepEqual(JSON.parse((await cli(['deletions', '--json', ...at])).stdout), [], 'a dry run records nothing')

    const unconfirmed = await cli(['delete', 'Custom:Rack', ...at])
    assert.equal(unconfirmed.code, 2)
    assert.match(unconfirmed.stderr, /pass --yes/)

    const deleted = await cli(['delete', 'Custom:Rack', '--yes', ...at])
    assert.equal(deleted.code, 0, deleted.stderr)
    assert.match(deleted.stdout, /^deletion [0-9a-f-]{36} started\nCustom:Rack: Deletion is successful \(30 items\)\n$/)
    const listed = JSON.parse((await cli(['deletions', '--json', ...at])).stdout)
    assert.equal(listed.length, 1)
    assert.equal(listed[0].LastStatus, 'Complete')
    assert.equal(listed[0].DeletionSummary.RemainingCount, 0)
    const watched = await cli(['deletions', listed[0].DeletionId, '--watch', '--json', ...at])
    assert.equal(JSON.parse(watched.stdout).LastStatus, 'Complete')
  })

  it('exits 1 with the service error, and 2 on a usage error', async () => {
    const refused = await cli(['delete', 'AWS:Application', '--yes', ...at])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^ssm-inventory delete: InvalidTypeNameException: /)
    const unknownFlag = await cli(['types', '--colour', ...at])
    assert.equal(unknownFlag.code, 2)
    assert.match(unknownFlag.stderr, /Unknown option '--colour'/)
    const badSchema = await cli(['delete', 'Custom:Rack', '--schema', 'purge', ...at])
    assert.equal(badSchema.code, 2)
    assert.match(badSchema.stderr, /--schema takes disable or delete/)
  })

  it('imports NDJSON through the API, reports bad records without stopping, resumes, and exports what import reads back', async () => {
    const dir = tempDataDir()
    try {
      const file = join(dir, 'records.ndjson')
      const item = (rack: string) => [{ TypeName: 'Custom:Moved', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ Rack: rack, Slot: '4' }] }]
      writeFileSync(file, [
        JSON.stringify({ InstanceId: instanceId(101), Items: item('A') }),
        '{"InstanceId": "i-00000000000000066", "Items": [',
        JSON.stringify({ InstanceId: instanceId(102), Items: [{ TypeName: 'AWS:Bogus', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z' }] }),
        JSON.stringify({ InstanceId: instanceId(103), Items: item('C') }),
      ].join('\n'))
      const imported = await cli(['import', file, ...at])
      assert.equal(imported.code, 1)
      assert.match(imported.stdout, /^2 records imported, 2 rejected of 4\n$/)
      assert.match(imported.stderr, /rejected record 2: not valid JSON/)
      assert.match(imported.stderr, /rejected record 3 \(i-0+66\): InvalidTypeNameException/)
      const resumed = await cli(['import', file, '--resume', '--json', ...at])
      assert.deepEqual(JSON.parse(resumed.stdout), { records: 4, skipped: 4, accepted: 0, rejected: 0 })

      const exported = join(dir, 'export.ndjson')
      const exportRun = await cli(['export', exported, ...at])
      assert.equal(exportRun.code, 0, exportRun.stderr)
      const lines = readFileSync(exported, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      assert.deepEqual(lines.find((r) => r.InstanceId === instanceId(103)).Items.find((i: any) => i.TypeName === 'Custom:Moved').Content, [{ Rack: 'C', Slot: '4' }])
      const other = await startServerProcess()
      try {
        const reimport = await cli(['import', exported, '--endpoint-url', other.url])
        assert.equal(reimport.code, 0, reimport.stderr)
        const ssm = sdkClient(other.url)
        const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(101), TypeName: 'Custom:Moved' }))
        ssm.destroy()
        assert.deepEqual(entries.Entries, [{ Rack: 'A', Slot: '4' }])
      } finally {
        await other.stop()
        removeDir(other.dataDir)
      }
    } finally {
      removeDir(dir)
    }
  })
})

describe('export', () => {
  it('writes the same records whether items come from ListInventoryEntries (as on AWS) or from the GetInventory pages', async () => {
    const server = await startServerProcess()
    const dir = tempDataDir()
    const ssm = sdkClient(server.url)
    try {
      const applications = Array.from({ length: 120 }, (_, i) => ({ Name: `app-${i}`, Version: `${i}.0` }))
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(201), Items: [
        { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ ComputerName: 'host-201', PlatformType: 'Linux' }] },
        { TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: '2026-11-02T10:00:00Z', Content: applications },
      ] }))
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(202), Items: [
        { TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: '2026-11-03T10:00:00Z', Content: applications.slice(0, 3) },
      ] }))
      const listCalls = async () => sample(await (await fetch(`${server.url}/metrics`)).text(), 'ssm_inventory_api_calls_total', 'operation="ListInventoryEntries",status="200",error_type=""') ?? 0
      const exported = async (name: string) => {
        const file = join(dir, name)
        const run = await cli(['export', file, '--concurrency', '3', '--endpoint-url', server.url])
        assert.equal(run.code, 0, run.stderr)
        return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
      }
      const byType = (record: { Items: { TypeName: string }[] }) => Object.fromEntries(record.Items.map((item) => [item.TypeName, item]))
      // No custom type on the page: every item listed, one call per instance and type (and page of entries).
      const schemaTypes = (await ssm.send(new GetInventorySchemaCommand({}))).Schemas!.length
      const listed = await exported('listed.ndjson')
      assert.equal(await listCalls(), 2 * schemaTypes + 2, 'ListInventoryEntries calls of the first export')
      assert.deepEqual(listed.map((r) => r.InstanceId), [instanceId(201), instanceId(202)])
      assert.deepEqual(byType(listed[0]), {
        'AWS:InstanceInformation': { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ ComputerName: 'host-201', PlatformType: 'Linux', InstanceId: instanceId(201), InstanceStatus: 'Active' }] },
        'AWS:Application': { TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: '2026-11-02T10:00:00Z', Content: applications },
      })
      // An instance that reported no AWS:InstanceInformation: the derived one is not carried.
      assert.deepEqual(listed[1].Items, [{ TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: '2026-11-03T10:00:00Z', Content: applications.slice(0, 3) }])

      // A custom type on the page: the endpoint gives whole items there, and the records are the same.
      await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(203), Items: [
        { TypeName: 'Custom:Shelf', SchemaVersion: '1.0', CaptureTime: '2026-11-04T10:00:00Z', Content: [{ Shelf: 'S1' }] },
      ] }))
      const before = await listCalls()
      const fromPages = await exported('pages.ndjson')
      // AWS:InstanceInformation alone is listed: only that tells a reported item from the derived one.
      assert.equal(await listCalls() - before, 3, 'ListInventoryEntries calls of the second export')
      assert.deepEqual(fromPages.slice(0, 2), listed)
      assert.deepEqual(fromPages[2], { InstanceId: instanceId(203), Items: [{ TypeName: 'Custom:Shelf', SchemaVersion: '1.0', CaptureTime: '2026-11-04T10:00:00Z', Content: [{ Shelf: 'S1' }] }] })
    } finally {
      ssm.destroy()
      await server.stop()
      removeDir(server.dataDir)
      removeDir(dir)
    }
  })
})

describe('migrate', () => {
  it('creates the store\'s schema and exits, leaves one at its version alone, and a server then starts on it', async () => {
    const dir = tempDataDir()
    // The same store a server started on this directory uses (its own schema on PostgreSQL).
    const store = ON_POSTGRES ? ['--database-url', schemaUrl(schemaOf(dir))] : ['--data-dir', dir]
    try {
      const expected = ON_POSTGRES
        ? new RegExp(`^PostgreSQL schema ${schemaOf(dir)} is at schema version ${postgresMigrations.length}\\n$`)
        : new RegExp(`^SQLite file ${join(dir, 'inventory.sqlite')} is at schema version ${sqliteMigrations.length}\\n$`)
      for (let run = 0; run < 2; run++) {
        const migrated = await cli(['migrate', ...store])
        assert.equal(migrated.code, 0, migrated.stderr)
        assert.match(migrated.stdout, expected)
      }
      const server = await startServerProcess({ dataDir: dir })
      try {
        const ssm = sdkClient(server.url)
        await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Migrated', SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: [{ A: '1' }] }] }))
        const entries = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Migrated' }))
        assert.deepEqual(entries.Entries, [{ A: '1' }])
        ssm.destroy()
      } finally {
        await server.stop()
      }
      const usage = await cli(['migrate', '--colour'])
      assert.equal(usage.code, 2)
      assert.match(usage.stderr, /Unknown option '--colour'/)
    } finally {
      removeDir(dir)
    }
  })

  it('exits 1 saying why when the store cannot be prepared', async () => {
    const failed = await cli(['migrate', '--database-url', 'postgres://postgres@127.0.0.1:1/none?schema=unreachable', '--database-connect-timeout-ms', '2000'])
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /^ssm-inventory migrate: cannot prepare PostgreSQL at 127\.0\.0\.1:1\/none \(schema unreachable\): /)
  })
})

describe('serve', () => {
  const serve = (args: string[]) => new Promise<{ code: number | string | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'serve', ...args], { timeout: 20_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) =>
      resolve({ code: error ? (error.code ?? error.signal ?? null) : 0, stderr }))
  })

  it('refuses a --database-url it cannot use before opening anything, without repeating it', async () => {
    for (const [url, message] of [
      ['postgres://app:s3cret@/inventory', /database-url is not a URL: write postgres:\/\/user:password@host:5432\/database\?schema=name \(for a Unix socket, postgres:\/\/\/database\?host=/],
      ['mysql://app:s3cret@db/inventory', /database-url must be a postgres:\/\/ or postgresql:\/\/ URL; got one for 'mysql'/],
    ] as const) {
      const refused = await serve(['--port', '0', '--database-url', url])
      assert.equal(refused.code, 2, refused.stderr)
      assert.match(refused.stderr, message)
      assert.doesNotMatch(refused.stderr, /s3cret/)
    }
  })

  it('exits 2 saying why when its port is taken, rather than living on with the store open', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const { port } = taken.address() as AddressInfo
    const dir = tempDataDir()
    try {
      const store = ON_POSTGRES ? ['--database-url', schemaUrl(schemaOf(dir))] : ['--data-dir', dir]
      // Before, the error was printed and the process stayed up (the store's threads or pool kept it): the timeout kills it then.
      const started = await serve(['--port', String(port), ...store])
      assert.equal(started.code, 2, started.stderr)
      assert.match(started.stderr, new RegExp(`^ssm-inventory serve: cannot listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`))
    } finally {
      taken.close()
      removeDir(dir)
    }
  })
})

describe('README', () => {
  it('lists every flag of serve, with its environment variable and numeric default, in its configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const rows = [...readme.matchAll(/^\| `--([a-z0-9-]+)` \| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map(([, flag, env, fallback]) => ({ flag, env, fallback: fallback.trim().replaceAll('`', '') }))
    assert.deepEqual(rows.map(({ flag, env }) => `${flag} ${env}`).sort(), settings.map(({ flag, env }) => `${flag} ${env}`).sort())
    for (const { flag, fallback } of rows) {
      const setting = settings.find((s) => s.flag === flag)!
      // A machine-dependent default (decode threads) is described in words instead.
      if (/^\d+$/.test(setting.default) && /^\d+$/.test(fallback)) assert.equal(fallback, setting.default, `--${flag}`)
    }
  })
})
