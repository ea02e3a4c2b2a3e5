/**
 * --max-inflight-body-bytes: the request bodies a server holds at once are bounded. A call
 * whose body does not fit waits (its body unread), is answered once room frees, or is refused
 * with ThrottlingException, which each real client reports and the SDK retries.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PutInventoryCommand, SSMClient, GetInventorySchemaCommand } from '@aws-sdk/client-ssm'
import { ACCOUNT, awsCli, boto3, instanceId, rawCall, sdkClient } from './support/clients.js'
import { HeldCall } from './support/held-call.js'
import { sample } from './support/metrics.js'
import { removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

const MIB = 1024 * 1024
/**
 * Room for 1 MiB of bodies; a call waits at most half the 8 s request timeout. (A holder must
 * outlast the wait of a CLI call, which takes a second or two to start, within its own timeout.)
 */
const SERVER_ARGS = ['--max-inflight-body-bytes', String(MIB), '--max-body-bytes', String(MIB), '--request-timeout-ms', '8000']
const MAX_WAIT_MS = 4000

/** A GetInventorySchema body of exactly `bytes` bytes: `{}` padded with spaces, valid JSON. */
function paddedBody(bytes: number): string {
  return `{${' '.repeat(bytes - 2)}}`
}

async function metricsOf(url: string): Promise<{ held: number; waiting: number; throttled: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return {
    held: sample(text, 'ssm_inventory_request_body_bytes_held') ?? NaN,
    waiting: sample(text, 'ssm_inventory_calls_waiting_for_body_room') ?? NaN,
    throttled: ['PutInventory', 'GetInventorySchema']
      .map((operation) => sample(text, 'ssm_inventory_api_calls_total', `operation="${operation}",status="400",error_type="ThrottlingException"`) ?? 0)
      .reduce((a, b) => a + b),
  }
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A valid PutInventory of ~400 KB: four items of ~100 KB. */
function largePut(instance: number) {
  return {
    InstanceId: instanceId(instance),
    Items: [0, 1, 2, 3].map((t) => ({
      TypeName: `Custom:Upload${t}`, SchemaVersion: '1.0', CaptureTime: '2026-11-30T00:00:00Z',
      Content: Array.from({ length: 100 }, (_, e) => ({ Name: `entry-${e}`, Value: 'v'.repeat(1000) })),
    })),
  }
}

describe('request bodies held at once (--max-inflight-body-bytes)', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServerProcess({ args: SERVER_ARGS })
  })
  after(async () => {
    await server.stop()
    removeDir(server.dataDir)
  })

  it('holds a call whose body does not fit, unread, and answers it once room frees; small calls never wait', async () => {
    const holder = new HeldCall(server.url, paddedBody(700_000))
    await until('the holder reserves its body', async () => (await metricsOf(server.url)).held === 700_000)
    let waiterAnswered = false
    const waiter = rawCall(server.url, 'AmazonSSM.GetInventorySchema', paddedBody(600_000)).then((answer) => ((waiterAnswered = true), answer))
    await until('the second call waits', async () => (await metricsOf(server.url)).waiting === 1)
    // A small call is answered at once, however full the budget.
    const small = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', paddedBody(60_000))
    assert.equal(small.status, 200)
    assert.equal(waiterAnswered, false)
    assert.equal((await metricsOf(server.url)).held, 700_000, 'the small call gave back what it took')

    const held = await holder.finish()
    assert.equal(held.status, 200)
    assert.deepEqual(held.json, { Schemas: [] })
    const waited = await waiter
    assert.equal(waited.status, 200)
    assert.deepEqual(waited.json, { Schemas: [] })
    holder.socket.destroy()
    await until('everything is given back', async () => {
      const { held, waiting } = await metricsOf(server.url)
      return held === 0 && waiting === 0
    })
  })

  it('refuses a call that waited half the request timeout with ThrottlingException, as the SDK, boto3 and the CLI report it', async () => {
    const before = (await metricsOf(server.url)).throttled
    const holder = new HeldCall(server.url, paddedBody(800_000))
    await until('the holder reserves its body', async () => (await metricsOf(server.url)).held === 800_000)
    const input = largePut(1)
    const itemsFile = join(server.dataDir, 'items.json')
    writeFileSync(itemsFile, JSON.stringify(input.Items))
    const started = Date.now()
    const [sdk, [python], cli] = await Promise.all([
      sdkClient(server.url).send(new PutInventoryCommand(input)).then(() => undefined, (error: any) => error),
      boto3(server.url, [{ op: 'PutInventory', params: input }]),
      awsCli(server.url, ['put-inventory', '--instance-id', input.InstanceId, '--items', `file://${itemsFile}`]),
    ])
    const elapsed = Date.now() - started
    assert.ok(elapsed >= MAX_WAIT_MS - 100, `refused after ${elapsed} ms, not before the wait limit`)

    assert.equal(sdk?.name, 'ThrottlingException')
    assert.equal(sdk.$metadata.httpStatusCode, 400)
    assert.equal(sdk.$fault, 'client')
    assert.match(sdk.message, /^Rate exceeded: the server holds 0\.8 MiB of request bodies being read or handled \(at most 1\.0 MiB, --max-inflight-body-bytes\), and this call waited 4 s/)
    assert.ok(!python.ok)
    assert.equal(python.code, 'ThrottlingException')
    assert.equal(python.status, 400)
    assert.notEqual(cli.code, 0)
    assert.match(cli.stderr, /\(ThrottlingException\) when calling the PutInventory operation.*: Rate exceeded/)
    assert.equal((await metricsOf(server.url)).throttled - before, 3)

    // Nothing of the refused calls was stored; the connection of the holder still serves.
    const held = await holder.finish()
    assert.equal(held.status, 200)
    holder.socket.destroy()
    const schema = await sdkClient(server.url).send(new GetInventorySchemaCommand({}))
    assert.deepEqual(schema.Schemas, [])
  })

  it('lets the SDK retry a throttled call until room frees', async () => {
    const holder = new HeldCall(server.url, paddedBody(800_000))
    await until('the holder reserves its body', async () => (await metricsOf(server.url)).held === 800_000)
    const retrying = new SSMClient({ endpoint: server.url, region: 'us-west-2', credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'secret' }, maxAttempts: 3 })
    const put = retrying.send(new PutInventoryCommand(largePut(2)))
    // The first attempt is refused after 4 s; room frees at 4.5 s, before the retry's own wait ends.
    setTimeout(() => void holder.finish(), MAX_WAIT_MS + 500)
    const answer = await put
    assert.equal(answer.$metadata.attempts, 2)
    assert.equal((await holder.finish()).status, 200)
    holder.socket.destroy()
    const stored = await sdkClient(server.url).send(new GetInventorySchemaCommand({}))
    assert.deepEqual(stored.Schemas?.map((s) => s.TypeName).filter((name) => name?.startsWith('Custom:')).sort(), ['Custom:Upload0', 'Custom:Upload1', 'Custom:Upload2', 'Custom:Upload3'])
  })

  it('takes a waiting call out of line when its client goes away', async () => {
    const holder = new HeldCall(server.url, paddedBody(700_000))
    await until('the holder reserves its body', async () => (await metricsOf(server.url)).held === 700_000)
    const leaving = new HeldCall(server.url, paddedBody(600_000))
    const staying = new HeldCall(server.url, paddedBody(300_000))
    await until('two calls wait', async () => (await metricsOf(server.url)).waiting === 2)
    leaving.socket.destroy()
    // The call behind it fits beside the holder: it is admitted once the line moves on.
    await until('the call that left is out of line', async () => {
      const { held, waiting } = await metricsOf(server.url)
      return waiting === 0 && held === 1_000_000
    })
    assert.deepEqual(await staying.finish(), { status: 200, json: { Schemas: [] } })
    assert.equal((await holder.finish()).status, 200)
    for (const call of [holder, staying]) call.socket.destroy()
    await until('everything is given back', async () => (await metricsOf(server.url)).held === 0)
  })

  it('reserves the largest body for a chunked call until it is read, then only its size', async () => {
    const small = HeldCall.chunked(server.url, '{}')
    await until('the chunked call reserves the largest body', async () => (await metricsOf(server.url)).held === MIB)
    const next = new HeldCall(server.url, paddedBody(500_000))
    await until('the next call waits for it', async () => (await metricsOf(server.url)).waiting === 1)
    assert.deepEqual(await small.finish(), { status: 200, json: { Schemas: [] } })
    assert.deepEqual(await next.finish(), { status: 200, json: { Schemas: [] } })
    for (const call of [small, next]) call.socket.destroy()
    await until('everything is given back', async () => (await metricsOf(server.url)).held === 0)
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(server.output(), /unexpected error|"level":"error"/)
  })
})

describe('request bodies held at once, while the server drains', () => {
  it('refuses calls waiting for room with 503 at once, so that they retry on another node', async () => {
    const server = await startServerProcess({ args: SERVER_ARGS })
    try {
      const holder = new HeldCall(server.url, paddedBody(800_000))
      await until('the holder reserves its body', async () => (await metricsOf(server.url)).held === 800_000)
      const waiter = rawCall(server.url, 'AmazonSSM.GetInventorySchema', paddedBody(600_000))
      await until('the second call waits', async () => (await metricsOf(server.url)).waiting === 1)
      const started = Date.now()
      const stopped = server.stop()
      const refused = await waiter
      assert.equal(refused.status, 503)
      assert.equal(refused.json.__type, 'ServiceUnavailable')
      assert.ok(Date.now() - started < MAX_WAIT_MS, 'refused when the drain began, not after its wait')
      // The call being read is still answered before the server stops.
      assert.equal((await holder.finish()).status, 200)
      assert.equal(await stopped, 0)
    } finally {
      await server.kill()
      removeDir(server.dataDir)
    }
  })
})
