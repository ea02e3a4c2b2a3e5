/**
 * SigV4 verification with a credentials file, read-only keys, isolation between accounts
 * and regions for every operation, key rotation on SIGHUP, and the refusal to serve beyond
 * loopback unauthenticated.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { rejects } from './support/assertions.js'
import { loadAccessKeys } from '../src/protocol/authentication.js'
import { awsCli, boto3, instanceId, sdkClient, type ClientIdentity } from './support/clients.js'
import { HeldCall } from './support/held-call.js'
import { sample } from './support/metrics.js'
import { CLI, removeDir, startServerProcess, tempDataDir, type ServerProcess } from './support/server-process.js'

const CAPTURE = '2026-11-01T10:00:00Z'
const SHARED_TOKEN = '8c9f1a52-3d4e-4f60-9a7b-0c1d2e3f4a5b'
const WRITER = { accessKeyId: 'AKIATESTWRITER000001', secretAccessKey: 'writer-secret-0000000001', accountId: '111122223333' }
const READER = { accessKeyId: 'AKIATESTREADER000001', secretAccessKey: 'reader-secret-0000000001', accountId: '111122223333', readOnly: true }
/** Temporary credentials of WRITER's account, as STS would give them. */
const TEMPORARY = {
  accessKeyId: 'ASIATESTTEMPORARY001', secretAccessKey: 'temporary-secret-000001', accountId: '111122223333',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+test+session+token=',
}
const OTHER = { accessKeyId: 'AKIATESTOTHER0000001', secretAccessKey: 'other-secret-00000000001', accountId: '444455556666' }

const as = (key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region = 'eu-west-1'): ClientIdentity =>
  ({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken, region })
const items = (typeName: string, n = 1) => [{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: Array.from({ length: n }, (_, i) => ({ Name: `n${i}` })) }]

/** Signs a request the way the SDKs do, so a test can then change what it sends. */
async function signed(url: string, key: { accessKeyId: string; secretAccessKey: string }, target: string, body: string, options: { date?: Date; region?: string; service?: string } = {}) {
  const { host } = new URL(url)
  const signer = new SignatureV4({ credentials: key, region: options.region ?? 'eu-west-1', service: options.service ?? 'ssm', sha256: Hash.bind(null, 'sha256') })
  const request = await signer.sign(new HttpRequest({
    method: 'POST', protocol: 'http:', hostname: host, path: '/',
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${target}` },
    body,
  }), { signingDate: options.date ?? new Date() })
  return request.headers as Record<string, string>
}

async function send(url: string, headers: Record<string, string>, body: string) {
  const { host: _host, ...rest } = headers
  const response = await fetch(url, { method: 'POST', headers: rest, body })
  return { status: response.status, json: (await response.json()) as any }
}


/**
 * A server that verifies signatures with `keys` (in a credentials file of its own), started
 * before the suite's tests and stopped after them, with the SDK clients made for it.
 */
function verifyingServer(keys: object[], args: string[] = []) {
  let server: ServerProcess | undefined
  let keysFile = ''
  const clients: SSMClient[] = []
  before(async () => {
    const dir = tempDataDir()
    keysFile = join(dir, 'keys.json')
    writeFileSync(keysFile, JSON.stringify(keys))
    server = await startServerProcess({ dataDir: join(dir, 'data'), args: ['--credentials-file', keysFile, ...args] })
  })
  after(async () => {
    for (const c of clients) c.destroy()
    await server?.stop()
    if (server) removeDir(server.dataDir) // its own schema on PostgreSQL: the data directory is below the keys'
    removeDir(join(keysFile, '..'))
  })
  return {
    get server(): ServerProcess {
      return server!
    },
    get keysFile(): string {
      return keysFile
    },
    client(identity: ClientIdentity): SSMClient {
      const c = sdkClient(server!.url, identity)
      clients.push(c)
      return c
    },
  }
}

describe('SigV4 verification with a credentials file', () => {
  const suite = verifyingServer([WRITER, READER, OTHER])
  const { client } = suite

  it('accepts requests signed by a known key through the SDK v3 and boto3', async () => {
    const writer = client(as(WRITER))
    await writer.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: items('Custom:Signed') }))
    const result = await writer.send(new GetInventoryCommand({}))
    assert.deepEqual(result.Entities!.map((e) => e.Id), [instanceId(1)])
    const [listed] = await boto3(suite.server.url, [{ op: 'ListInventoryEntries', params: { InstanceId: instanceId(1), TypeName: 'Custom:Signed' } }], as(WRITER))
    assert.ok(listed.ok, JSON.stringify(listed))
    assert.deepEqual(listed.result.Entries, [{ Name: 'n0' }])
  })

  it('refuses a wrong secret, an unknown key and a missing signature', async () => {
    await rejects(client(as({ ...WRITER, secretAccessKey: 'not-the-secret-00000' })).send(new GetInventorySchemaCommand({})), 'InvalidSignatureException', /signature we calculated does not match/)
    await rejects(client(as({ accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'whatever-0000000001' })).send(new GetInventorySchemaCommand({})),
      'UnrecognizedClientException', /security token included in the request is invalid/)
    const [wrong, unknown] = await boto3(suite.server.url, [{ op: 'GetInventorySchema' }, { op: 'GetInventorySchema' }], as({ ...WRITER, secretAccessKey: 'nope-nope-nope-nope' }))
    assert.ok(!wrong.ok && wrong.code === 'InvalidSignatureException' && wrong.status === 400)
    assert.ok(!unknown.ok && unknown.code === 'InvalidSignatureException')
    const [stranger] = await boto3(suite.server.url, [{ op: 'GetInventory' }], as({ accessKeyId: 'AKIANOBODY0000000002', secretAccessKey: 'whatever-0000000002' }))
    assert.ok(!stranger.ok && stranger.code === 'UnrecognizedClientException')

    const unsigned = await fetch(suite.server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventorySchema' }, body: '{}' })
    assert.equal(unsigned.status, 403)
    assert.deepEqual(await unsigned.json(), { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' })
  })

  it('refuses a tampered body, a tampered header and a body that does not match its declared hash', async () => {
    const body = JSON.stringify({ InstanceId: instanceId(2), Items: items('Custom:Tamper') })
    const headers = await signed(suite.server.url, WRITER, 'PutInventory', body)
    const tampered = await send(suite.server.url, headers, body.replace('n0', 'n1'))
    assert.equal(tampered.status, 400)
    assert.equal(tampered.json.__type, 'InvalidSignatureException')
    const otherTarget = await send(suite.server.url, { ...headers, 'x-amz-target': 'AmazonSSM.DeleteInventory' }, body)
    assert.equal(otherTarget.json.__type, 'InvalidSignatureException')
    const declared = await send(suite.server.url, { ...headers, 'x-amz-content-sha256': '0'.repeat(64) }, body)
    assert.equal(declared.json.__type, 'InvalidSignatureException')
    assert.equal((await send(suite.server.url, headers, body)).status, 200, 'the untouched request is accepted')
  })

  it('refuses an expired or future date, a wrong service and an incomplete header', async () => {
    const body = '{}'
    const old = await send(suite.server.url, await signed(suite.server.url, WRITER, 'GetInventorySchema', body, { date: new Date(Date.now() - 20 * 60_000) }), body)
    assert.equal(old.json.__type, 'InvalidSignatureException')
    assert.match(old.json.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/)
    const future = await send(suite.server.url, await signed(suite.server.url, WRITER, 'GetInventorySchema', body, { date: new Date(Date.now() + 20 * 60_000) }), body)
    assert.match(future.json.message, /^Signature not yet current/)
    const recent = await send(suite.server.url, await signed(suite.server.url, WRITER, 'GetInventorySchema', body, { date: new Date(Date.now() - 10 * 60_000) }), body)
    assert.equal(recent.status, 200, 'ten minutes of skew is accepted')
    const service = await send(suite.server.url, await signed(suite.server.url, WRITER, 'GetInventorySchema', body, { service: 'ec2' }), body)
    assert.match(service.json.message, /Credential should be scoped to correct service: 'ssm'/)
    const headers = await signed(suite.server.url, WRITER, 'GetInventorySchema', body)
    const incomplete = await send(suite.server.url, { ...headers, authorization: headers.authorization.replace(/, Signature=[0-9a-f]+/, '') }, body)
    assert.equal(incomplete.status, 400)
    assert.equal(incomplete.json.__type, 'IncompleteSignatureException')
    assert.match(incomplete.json.message, /requires 'Signature' parameter/)
    const basic = await send(suite.server.url, { ...headers, authorization: 'Basic dXNlcjpwYXNz' }, body)
    assert.equal(basic.json.__type, 'IncompleteSignatureException')
  })

  it('refuses a caller from its headers alone, before its body is read or room is held for it', async () => {
    const url = suite.server.url
    const body = `{${' '.repeat(900_000 - 2)}}`
    const held = async () => sample(await (await fetch(`${url}/metrics`)).text(), 'ssm_inventory_request_body_bytes_held')
    const refusals: [Record<string, string>, number, string, RegExp][] = [
      [{}, 403, 'MissingAuthenticationTokenException', /missing Authentication Token/],
      [await signed(url, { accessKeyId: 'AKIANOBODY0000000003', secretAccessKey: 'whatever-0000000003' }, 'GetInventorySchema', body), 400, 'UnrecognizedClientException', /security token/],
      [await signed(url, WRITER, 'GetInventorySchema', body, { date: new Date(Date.now() - 20 * 60_000) }), 400, 'InvalidSignatureException', /^Signature expired/],
    ]
    for (const [headers, status, type, message] of refusals) {
      // One byte of the body sent: the answer comes without the rest, and nothing is held for it.
      const call = new HeldCall(url, body, false, headers)
      try {
        const answer = await call.answer()
        assert.equal(answer.status, status)
        assert.equal(answer.json.__type, type)
        assert.match(answer.json.message, message)
        assert.equal(await held(), 0)
        // The rest of the body, once sent, is discarded: the connection serves the next call.
        const next = await call.another()
        assert.equal(next.json.__type, 'MissingAuthenticationTokenException')
      } finally {
        call.socket.destroy()
      }
    }

    // A caller the headers pass has its body read and held until the signature over it is checked.
    const signedCall = new HeldCall(url, body, false, await signed(url, WRITER, 'GetInventorySchema', body))
    try {
      for (let i = 0; i < 100 && (await held()) !== 900_000; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      assert.equal(await held(), 900_000)
      const answer = await signedCall.finish()
      assert.equal(answer.status, 200)
      assert.ok(Array.isArray(answer.json.Schemas))
    } finally {
      signedCall.socket.destroy()
    }
  })

  it('lets a read-only key read but not write', async () => {
    const reader = client(as(READER))
    const writersView = await client(as(WRITER)).send(new GetInventoryCommand({}))
    assert.deepEqual((await reader.send(new GetInventoryCommand({}))).Entities, writersView.Entities, 'the reader sees its account')
    await rejects(reader.send(new PutInventoryCommand({ InstanceId: instanceId(3), Items: items('Custom:Nope') })), 'AccessDeniedException', /ssm:PutInventory/)
    await rejects(reader.send(new DeleteInventoryCommand({ TypeName: 'Custom:Signed' })), 'AccessDeniedException')
    const [put, described] = await boto3(suite.server.url, [
      { op: 'PutInventory', params: { InstanceId: instanceId(3), Items: items('Custom:Nope') } },
      { op: 'DescribeInventoryDeletions' },
    ], as(READER))
    assert.ok(!put.ok && put.code === 'AccessDeniedException')
    assert.ok(described.ok)
    const schema = await client(as(WRITER)).send(new GetInventorySchemaCommand({ TypeName: 'Custom:Nope' }))
    assert.deepEqual(schema.Schemas, [], 'nothing of the refused put was stored')
  })

  it('keeps accounts and regions apart in every operation, including tokens and ids carried across', async () => {
    const mine = client(as(WRITER, 'eu-west-1'))
    const otherAccount = client(as(OTHER, 'eu-west-1'))
    const otherRegion = client(as(WRITER, 'ap-south-1'))
    for (let n = 10; n < 14; n++) await mine.send(new PutInventoryCommand({ InstanceId: instanceId(n), Items: items('Custom:Iso', 60) }))
    const deletion = await mine.send(new DeleteInventoryCommand({ TypeName: 'Custom:Signed', ClientToken: SHARED_TOKEN }))
    const page = await mine.send(new GetInventoryCommand({ MaxResults: 1 }))
    const entries = await mine.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(10), TypeName: 'Custom:Iso', MaxResults: 5 }))
    const deletions = await mine.send(new DescribeInventoryDeletionsCommand({ MaxResults: 1 }))
    for (const stranger of [otherAccount, otherRegion]) {
      assert.deepEqual((await stranger.send(new GetInventoryCommand({}))).Entities, [])
      assert.deepEqual((await stranger.send(new GetInventorySchemaCommand({}))).Schemas, [])
      assert.deepEqual((await stranger.send(new DescribeInventoryDeletionsCommand({}))).InventoryDeletions, [])
      await rejects(stranger.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(10), TypeName: 'Custom:Iso' })), 'InvalidTypeNameException')
      await rejects(stranger.send(new DeleteInventoryCommand({ TypeName: 'Custom:Iso' })), 'InvalidTypeNameException')
      await rejects(stranger.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletion.DeletionId })), 'InvalidDeletionIdException')
      await rejects(stranger.send(new GetInventoryCommand({ MaxResults: 1, NextToken: page.NextToken })), 'InvalidNextToken')
      await rejects(stranger.send(new DescribeInventoryDeletionsCommand({ MaxResults: 1, NextToken: deletions.NextToken ?? 'none' })), 'InvalidNextToken')
      await rejects(stranger.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Iso.Name' }] })), 'InvalidAggregatorException')
    }
    // The same instance, type and ClientToken in another account are that account's own.
    await otherAccount.send(new PutInventoryCommand({ InstanceId: instanceId(10), Items: items('Custom:Iso', 60) }))
    await rejects(otherAccount.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(10), TypeName: 'Custom:Iso', MaxResults: 5, NextToken: entries.NextToken })), 'InvalidNextToken')
    await otherAccount.send(new PutInventoryCommand({ InstanceId: instanceId(10), Items: items('Custom:Signed') }))
    const theirs = await otherAccount.send(new DeleteInventoryCommand({ TypeName: 'Custom:Signed', ClientToken: SHARED_TOKEN }))
    assert.notEqual(theirs.DeletionId, deletion.DeletionId)
    const aggregated = await otherAccount.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'Custom:Iso.Name' }] }))
    assert.equal(aggregated.Entities![0].Data!['Custom:Iso'].Content!.find((c) => c.Name === 'n0')!.Count, '1', 'counts only its own instance')
    assert.equal((await mine.send(new GetInventoryCommand({}))).Entities!.length, 6, 'instances 1, 2 and 10-13')
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(suite.server.output(), /unexpected error/)
  })
})

describe('temporary credentials (a session token, an expiration)', () => {
  const EXPIRED = { ...TEMPORARY, accessKeyId: 'ASIATESTEXPIRED00001', expiration: '2026-01-01T00:00:00Z' }
  const suite = verifyingServer([WRITER, TEMPORARY, EXPIRED])
  const { client } = suite
  const temporary = as({ ...TEMPORARY })

  it('accepts a temporary key with its session token through the SDK v3, boto3 and the AWS CLI', async () => {
    await client(temporary).send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: items('Custom:Temporary') }))
    const [listed] = await boto3(suite.server.url, [{ op: 'ListInventoryEntries', params: { InstanceId: instanceId(1), TypeName: 'Custom:Temporary' } }], temporary)
    assert.ok(listed.ok, JSON.stringify(listed))
    assert.deepEqual(listed.result.Entries, [{ Name: 'n0' }])
    const cli = await awsCli(suite.server.url, ['get-inventory-schema', '--type-name', 'Custom:Temporary'], temporary)
    assert.equal(cli.code, 0, cli.stderr)
    assert.equal(cli.json.Schemas[0].TypeName, 'Custom:Temporary')
    // Its account is the key's: the long-term key of the same account sees what it put.
    const seen = await client(as(WRITER)).send(new GetInventoryCommand({}))
    assert.deepEqual(seen.Entities!.map((e) => e.Id), [instanceId(1)])
  })

  it('refuses a temporary key without its token or with another, and a long-term key with a token', async () => {
    const invalid = /^The security token included in the request is invalid\.$/
    await rejects(client(as({ accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey })).send(new GetInventorySchemaCommand({})), 'UnrecognizedClientException', invalid)
    await rejects(client(as({ ...TEMPORARY, sessionToken: `${TEMPORARY.sessionToken}x` })).send(new GetInventorySchemaCommand({})), 'UnrecognizedClientException', invalid)
    await rejects(client(as({ ...WRITER, sessionToken: TEMPORARY.sessionToken })).send(new GetInventorySchemaCommand({})), 'UnrecognizedClientException', invalid)
    const [untokened] = await boto3(suite.server.url, [{ op: 'GetInventory' }], as({ accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey }))
    assert.ok(!untokened.ok && untokened.code === 'UnrecognizedClientException' && untokened.status === 400, JSON.stringify(untokened))
    const cli = await awsCli(suite.server.url, ['get-inventory'], as({ ...WRITER, sessionToken: 'left-over-from-another-session' }))
    assert.notEqual(cli.code, 0)
    assert.match(cli.stderr, /UnrecognizedClientException.*security token included in the request is invalid/)
  })

  it('refuses temporary credentials past their expiration as expired', async () => {
    await rejects(client(as(EXPIRED)).send(new GetInventoryCommand({})), 'ExpiredTokenException', /^The security token included in the request is expired$/)
    const [expired] = await boto3(suite.server.url, [{ op: 'GetInventorySchema' }], as(EXPIRED))
    assert.ok(!expired.ok && expired.code === 'ExpiredTokenException' && expired.status === 400, JSON.stringify(expired))
    // A wrong token says it is invalid, whether or not the credentials have expired.
    await rejects(client(as({ ...EXPIRED, sessionToken: 'another' })).send(new GetInventoryCommand({})), 'UnrecognizedClientException')
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(suite.server.output(), /unexpected error/)
  })
})

function runServe(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, 'serve', '--port', '0', ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr, stdout })
    })
    // A server that did start is stopped once it says so.
    child.stdout!.on('data', (chunk: string) => {
      if (String(chunk).includes('ssm-inventory listening')) child.kill('SIGTERM')
    })
  })
}

describe('safe defaults', () => {
  it('refuses to serve beyond loopback without a credentials file, and says how to proceed', async () => {
    const dataDir = tempDataDir()
    try {
      const refused = await runServe(['--host', '0.0.0.0', '--data-dir', dataDir])
      assert.equal(refused.code, 2)
      assert.match(refused.stderr, /refusing to serve on 0\.0\.0\.0 without authentication/)
      assert.match(refused.stderr, /--credentials-file/)
      assert.match(refused.stderr, /--insecure-no-auth/)
      const insisted = await runServe(['--host', '0.0.0.0', '--data-dir', dataDir, '--insecure-no-auth'])
      assert.equal(insisted.code, 0, insisted.stderr)
      assert.match(insisted.stdout, /"authentication":"none"/)
      const keys = join(dataDir, 'keys.json')
      writeFileSync(keys, JSON.stringify([WRITER]))
      const secured = await runServe(['--host', '0.0.0.0', '--data-dir', dataDir, '--credentials-file', keys])
      assert.equal(secured.code, 0, secured.stderr)
      assert.match(secured.stdout, /"authentication":"sigv4"/)
      const loopback = await runServe(['--host', '127.0.0.1', '--data-dir', dataDir])
      assert.equal(loopback.code, 0, loopback.stderr)
    } finally {
      removeDir(dataDir)
    }
  })

  it('refuses a credentials file it cannot use, with the reason', async () => {
    const dataDir = tempDataDir()
    try {
      const bad = join(dataDir, 'bad.json')
      writeFileSync(bad, JSON.stringify([{ accessKeyId: 'AKIAX', secretAccessKey: 'short', accountId: '12' }]))
      const result = await runServe(['--data-dir', dataDir, '--credentials-file', bad])
      assert.equal(result.code, 2)
      assert.match(result.stderr, /secretAccessKey must be a string of at least 8 characters/)
      const missing = await runServe(['--data-dir', dataDir, '--credentials-file', join(dataDir, 'absent.json')])
      assert.equal(missing.code, 2)
      assert.match(missing.stderr, /cannot read the credentials file/)
      writeFileSync(bad, JSON.stringify([{ ...WRITER, sessionToken: 'token', expiration: '2026-12-01 12:00' }]))
      const badTime = await runServe(['--data-dir', dataDir, '--credentials-file', bad])
      assert.equal(badTime.code, 2)
      assert.match(badTime.stderr, /entry 1: expiration must be an ISO 8601 time with its zone/)
      // The other entries of temporary credentials, read as the server reads them.
      const refusal = (entry: object) => {
        writeFileSync(bad, JSON.stringify([WRITER, entry]))
        try {
          loadAccessKeys(bad)
          return 'accepted'
        } catch (error) {
          return (error as Error).message.replace(`${bad}, `, '')
        }
      }
      assert.equal(refusal({ ...TEMPORARY, sessionToken: '' }), 'entry 2: sessionToken must be a non-empty string')
      assert.equal(refusal({ ...TEMPORARY, sessionToken: 42 }), 'entry 2: sessionToken must be a non-empty string')
      assert.equal(refusal({ ...TEMPORARY, expiration: 1764590400 }), 'entry 2: expiration must be an ISO 8601 time with its zone, as STS gives it (e.g. 2026-12-01T12:00:00Z)')
      assert.equal(refusal({ ...TEMPORARY, expiration: '2026-12-01T12:00:00' }), 'entry 2: expiration must be an ISO 8601 time with its zone, as STS gives it (e.g. 2026-12-01T12:00:00Z)')
      assert.equal(refusal({ ...WRITER, accessKeyId: 'AKIATESTNOTOKEN00001', expiration: '2026-12-01T12:00:00Z' }), 'entry 2: expiration is for temporary credentials; give their sessionToken too')
      assert.equal(refusal({ ...TEMPORARY, expiration: '2026-12-01T12:00:00+01:00' }), 'accepted')
      assert.equal(loadAccessKeys(bad)[1].expiresAt, Date.parse('2026-12-01T11:00:00Z'))
    } finally {
      removeDir(dataDir)
    }
  })
})

describe('key rotation (SIGHUP)', () => {
  const ROTATED = { accessKeyId: 'AKIATESTROTATED00001', secretAccessKey: 'rotated-secret-000000001', accountId: '111122223333' }
  const suite = verifyingServer([WRITER, READER], ['--log-level', 'debug'])
  const { client } = suite
  /** Sends SIGHUP and waits until the log has said `message` once more. */
  const hangUp = async (message: string) => {
    const before = suite.server.output().split(message).length
    suite.server.child.kill('SIGHUP')
    for (let i = 0; i < 100 && suite.server.output().split(message).length === before; i++) await new Promise((r) => setTimeout(r, 50))
    assert.ok(suite.server.output().split(message).length > before, `no "${message}" in the log:\n${suite.server.output()}`)
  }

  /** The debug log's line for each API call (what `--log-level debug` adds). */
  const requestLines = (): Record<string, unknown>[] =>
    suite.server.output().split('\n').filter((line) => line.includes('"message":"request"')).map((line) => JSON.parse(line))

  it('puts the file\'s keys in force: a removed key is unknown, a new one works, a changed flag applies', async () => {
    const writer = client(as(WRITER))
    const reader = client(as(READER))
    await writer.send(new PutInventoryCommand({ InstanceId: instanceId(1), Items: items('Custom:Rotated') }))
    await rejects(reader.send(new PutInventoryCommand({ InstanceId: instanceId(2), Items: items('Custom:Rotated') })), 'AccessDeniedException')
    // The writer's key retires, a new key takes its place, the reader may now write.
    writeFileSync(suite.keysFile, JSON.stringify([ROTATED, { ...READER, readOnly: false }]))
    await hangUp('credentials reloaded')
    await rejects(writer.send(new GetInventorySchemaCommand({})), 'UnrecognizedClientException')
    // The debug log says who called: the key, its account and the region, once verified. (Its
    // line is written once the answer is sent: wait for the last one.)
    for (let i = 0; i < 100 && requestLines().at(-1)?.errorType !== 'UnrecognizedClientException'; i++) await new Promise((r) => setTimeout(r, 50))
    const [firstPut, refusedPut, afterRotation] = requestLines().slice(-3)
    assert.deepEqual([firstPut.operation, firstPut.status, firstPut.accessKeyId, firstPut.account, firstPut.region], ['PutInventory', 200, WRITER.accessKeyId, WRITER.accountId, 'eu-west-1'])
    assert.deepEqual([refusedPut.errorType, refusedPut.accessKeyId], ['AccessDeniedException', READER.accessKeyId])
    assert.deepEqual([afterRotation.errorType, afterRotation.accessKeyId, afterRotation.account], ['UnrecognizedClientException', undefined, undefined])
    const entries = await client(as(ROTATED)).send(new ListInventoryEntriesCommand({ InstanceId: instanceId(1), TypeName: 'Custom:Rotated' }))
    assert.deepEqual(entries.Entries, [{ Name: 'n0' }])
    await reader.send(new PutInventoryCommand({ InstanceId: instanceId(2), Items: items('Custom:Rotated') }))
    // A secret changed for the same key: the old secret no longer signs.
    writeFileSync(suite.keysFile, JSON.stringify([{ ...ROTATED, secretAccessKey: 'rotated-secret-000000002' }]))
    await hangUp('credentials reloaded')
    await rejects(client(as(ROTATED)).send(new GetInventorySchemaCommand({})), 'InvalidSignatureException')
    await client(as({ ...ROTATED, secretAccessKey: 'rotated-secret-000000002' })).send(new GetInventorySchemaCommand({}))
    assert.equal(suite.server.child.exitCode, null, 'the server is still running')
  })

  it('keeps the keys in force when the file does not load, and says why', async () => {
    const current = { ...ROTATED, secretAccessKey: 'rotated-secret-000000003' }
    writeFileSync(suite.keysFile, JSON.stringify([current]))
    await hangUp('credentials reloaded')
    writeFileSync(suite.keysFile, '[{"accessKeyId": "AKIATRUNCATED')
    await hangUp('the credentials file did not load')
    assert.match(suite.server.output(), /"the credentials file did not load; the keys in force stay as they were","error":"cannot read the credentials file [^"]*keys\.json: Unterminated string/)
    await client(as(current)).send(new GetInventorySchemaCommand({}))
    assert.equal(suite.server.child.exitCode, null, 'the server is still running')
  })
})
