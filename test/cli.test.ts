/** The ssm-inventory command-line tool, through its real binary against a running server. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { PutInventoryCommand } from '@aws-sdk/client-ssm'
import { ACCOUNT, instanceId, sdkClient } from './support/clients.js'
import { CLI, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

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
})
