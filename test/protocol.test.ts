/** The AWS JSON 1.1 protocol layer, driven over raw HTTP where the SDKs would refuse to send. */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { instanceId, rawCall } from './support/clients.js'
import { ON_POSTGRES, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

describe('AWS JSON 1.1 protocol', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServerProcess({ args: ['--max-body-bytes', '65536', '--request-timeout-ms', '1500'] })
  })
  after(async () => {
    await server.stop()
    removeDir(server.dataDir)
  })

  it('answers GET /health with 200 and JSON once the store is open', async () => {
    const response = await fetch(`${server.url}/health`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { status: 'ok', store: ON_POSTGRES ? 'postgres' : 'sqlite' })
  })

  it('answers GET /ready with 200 while the database answers', async () => {
    const response = await fetch(`${server.url}/ready`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { status: 'ready', store: ON_POSTGRES ? 'postgres' : 'sqlite' })
  })

  it('puts a request id on every response, success or error', async () => {
    const ok = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', {})
    assert.equal(ok.status, 200)
    assert.match(ok.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(ok.headers.get('content-type'), 'application/x-amz-json-1.1')
    const bad = await rawCall(server.url, 'AmazonSSM.Nope', {})
    assert.match(bad.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/)
    assert.notEqual(ok.headers.get('x-amzn-requestid'), bad.headers.get('x-amzn-requestid'))
  })

  it('treats an empty body as {}', async () => {
    const response = await rawCall(server.url, 'AmazonSSM.DescribeInventoryDeletions', '')
    assert.equal(response.status, 200)
    assert.deepEqual(response.json, { InventoryDeletions: [] })
  })

  it('answers an unknown target with UnknownOperationException', async () => {
    for (const target of ['AmazonSSM.DescribeInstances', 'AmazonEC2.PutInventory', 'PutInventory', '']) {
      const response = await rawCall(server.url, target, {})
      assert.equal(response.status, 400, target)
      assert.equal(response.json.__type, 'UnknownOperationException', target)
    }
  })

  it('answers malformed JSON and invalid UTF-8 with SerializationException', async () => {
    for (const body of ['{"InstanceId":', '[1,2]', 'null', '"text"', '{"a":1}}']) {
      const response = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', body)
      assert.equal(response.status, 400, body)
      assert.equal(response.json.__type, 'SerializationException', body)
    }
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventorySchema' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    })
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as any).__type, 'SerializationException')
  })

  it('answers a value of the wrong JSON type with SerializationException', async () => {
    const cases = [
      { MaxResults: '60' },
      { MaxResults: 60.5 },
      { Aggregator: 'yes' },
      { TypeName: 7 },
    ]
    for (const body of cases) {
      const response = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', body)
      assert.equal(response.json.__type, 'SerializationException', JSON.stringify(body))
    }
    const items = await rawCall(server.url, 'AmazonSSM.PutInventory', { InstanceId: instanceId(1), Items: { TypeName: 'Custom:A' } })
    assert.equal(items.json.__type, 'SerializationException')
    assert.match(items.json.message, /'items'.*expected a list/)
  })

  it('reports constraint failures as one ValidationException in AWS wording, counted', async () => {
    const one = await rawCall(server.url, 'AmazonSSM.ListInventoryEntries', { InstanceId: instanceId(1), TypeName: 'Custom:A', MaxResults: 0 })
    assert.equal(one.status, 400)
    assert.equal(one.json.__type, 'ValidationException')
    assert.equal(one.json.message, "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")

    const several = await rawCall(server.url, 'AmazonSSM.PutInventory', {
      InstanceId: 'i-123',
      Items: [{ TypeName: 'Custom:A', SchemaVersion: '1.0', CaptureTime: '2026-13-01T00:00:00Z', Content: [{ ['k'.repeat(65)]: 'v' }] }, { SchemaVersion: '1.0' }],
    })
    assert.equal(several.json.__type, 'ValidationException')
    const message: string = several.json.message
    assert.match(message, /^5 validation errors detected: /)
    assert.match(message, /Value 'i-123' at 'instanceId' failed to satisfy constraint: Member must satisfy regular expression pattern: \(\^i-/)
    assert.match(message, /Value '2026-13-01T00:00:00Z' at 'items\.1\.member\.captureTime' failed to satisfy constraint: Member must satisfy regular expression pattern/)
    assert.match(message, /at 'items\.1\.member\.content\.1\.member' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length less than or equal to 64\]/)
    assert.match(message, /Value null at 'items\.2\.member\.typeName' failed to satisfy constraint: Member must not be null/)
    assert.match(message, /Value null at 'items\.2\.member\.captureTime' failed to satisfy constraint: Member must not be null/)
  })

  it('checks list sizes, lengths, ranges and enums from the model', async () => {
    const tooMany = await rawCall(server.url, 'AmazonSSM.PutInventory', {
      InstanceId: instanceId(1),
      Items: Array.from({ length: 31 }, (_, i) => ({ TypeName: `Custom:T${i}`, SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z' })),
    })
    assert.match(tooMany.json.message, /at 'items' failed to satisfy constraint: Member must have length less than or equal to 30/)
    const empty = await rawCall(server.url, 'AmazonSSM.PutInventory', { InstanceId: instanceId(1), Items: [] })
    assert.match(empty.json.message, /Value '\[\]' at 'items' failed to satisfy constraint: Member must have length greater than or equal to 1/)
    const longName = await rawCall(server.url, 'AmazonSSM.DeleteInventory', { TypeName: `Custom:${'x'.repeat(100)}` })
    assert.match(longName.json.message, /at 'typeName' failed to satisfy constraint: Member must have length less than or equal to 100/)
    const schemaPage = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', { MaxResults: 201 })
    assert.equal(schemaPage.json.message, "1 validation error detected: Value '201' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 200")
    const operator = await rawCall(server.url, 'AmazonSSM.ListInventoryEntries', {
      InstanceId: instanceId(1), TypeName: 'Custom:A', Filters: [{ Key: 'Name', Values: ['x'], Type: 'Like' }],
    })
    assert.match(operator.json.message, /Value 'Like' at 'filters\.1\.member\.type' failed to satisfy constraint: Member must satisfy enum value set: \[Equal, NotEqual, BeginWith, LessThan, GreaterThan, Exists\]/)
    const token = await rawCall(server.url, 'AmazonSSM.DescribeInventoryDeletions', { DeletionId: 'not-a-uuid' })
    assert.match(token.json.message, /at 'deletionId' failed to satisfy constraint: Member must satisfy regular expression pattern/)
    // Content maps: keys of 1-64 characters, values of up to 4096, both bounds inclusive.
    const entry = (key: string, value: string) => ({ InstanceId: instanceId(7), Items: [{ TypeName: 'Custom:Bounds', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: [{ [key]: value }] }] })
    assert.equal((await rawCall(server.url, 'AmazonSSM.PutInventory', entry('k'.repeat(64), 'v'.repeat(4096)))).status, 200)
    const longValue = await rawCall(server.url, 'AmazonSSM.PutInventory', entry('k', 'v'.repeat(4097)))
    assert.match(longValue.json.message, /^1 validation error detected: .* at 'items\.1\.member\.content\.1\.member' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 4096\]$/)
    const emptyKey = await rawCall(server.url, 'AmazonSSM.PutInventory', entry('', 'v'))
    assert.match(emptyKey.json.message, /Map keys must satisfy constraint: \[Member must have length greater than or equal to 1\]/)
  })

  it('ignores members the model does not know, as AWS does', async () => {
    const response = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', { Unknown: { deeply: [1, 2, 3] }, MaxResults: 50 })
    assert.equal(response.status, 200)
  })

  it('refuses a wrong content type with a clear 4xx', async () => {
    const response = await rawCall(server.url, 'AmazonSSM.GetInventorySchema', '{}', { 'content-type': 'text/plain' })
    assert.equal(response.status, 415)
    assert.equal(response.json.__type, 'UnsupportedMediaTypeException')
  })

  it('refuses a body over the configured limit with 413 and keeps serving', async () => {
    const big = JSON.stringify({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Big', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: [{ a: 'x'.repeat(70_000) }] }] })
    const response = await rawCall(server.url, 'AmazonSSM.PutInventory', big)
    assert.equal(response.status, 413)
    assert.equal(response.json.__type, 'RequestEntityTooLargeException')
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutInventory' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(big.slice(0, 40_000))
      req.end(big.slice(40_000))
    })
    assert.equal(chunked, 413)
    assert.equal((await fetch(`${server.url}/health`)).status, 200)
  })

  it('keeps an idle connection open for --keep-alive-timeout-ms, says so, and closes it after', async () => {
    const keeping = await startServerProcess({ args: ['--keep-alive-timeout-ms', '1000'] })
    try {
      const socket = connect(Number(new URL(keeping.url).port), '127.0.0.1')
      let data = ''
      let closedAt = 0
      socket.on('data', (chunk) => (data += chunk))
      socket.on('close', () => (closedAt = Date.now()))
      // /health answers in chunks: an answer is whole at its last, empty chunk.
      const answer = async () => {
        const before = data.length
        const deadline = Date.now() + 5000
        while (!data.slice(before).endsWith('\r\n0\r\n\r\n')) {
          assert.ok(Date.now() < deadline && !closedAt, `no whole answer: ${JSON.stringify(data.slice(before))}`)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        return data.slice(before)
      }
      const ask = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'
      socket.write(ask)
      assert.match(await answer(), /^HTTP\/1\.1 200 [^]*\r\nKeep-Alive: timeout=1\r\n/i)
      await new Promise((resolve) => setTimeout(resolve, 600))
      socket.write(ask)
      assert.match(await answer(), /^HTTP\/1\.1 200 /, 'the same connection still serves after 600 ms idle')
      const idleSince = Date.now()
      await new Promise((resolve) => setTimeout(resolve, 2500))
      assert.ok(closedAt > 0, 'closed by the server after 1 s idle (Node\'s default is 5 s)')
      assert.ok(closedAt - idleSince >= 900, `closed ${closedAt - idleSince} ms after the last answer`)
    } finally {
      await keeping.stop()
      removeDir(keeping.dataDir)
    }
  })

  it('keeps a connection idle longer after a large answer, one second more per MiB', async () => {
    const keeping = await startServerProcess({ args: ['--keep-alive-timeout-ms', '1000'] })
    try {
      // One instance with 20 custom types of ~190 KB: its GetInventory answer is ~3.7 MiB.
      for (let group = 0; group < 4; group++) {
        const items = Array.from({ length: 5 }, (_, t) => ({
          TypeName: `Custom:Large${group * 5 + t}`, SchemaVersion: '1.0', CaptureTime: '2026-11-30T00:00:00Z',
          Content: Array.from({ length: 190 }, (_, e) => ({ Name: `n${e}`, Value: 'v'.repeat(950) })),
        }))
        assert.equal((await rawCall(keeping.url, 'AmazonSSM.PutInventory', { InstanceId: instanceId(1), Items: items })).status, 200)
      }
      const socket = connect(Number(new URL(keeping.url).port), '127.0.0.1')
      let data = Buffer.alloc(0)
      let closedAt = 0
      socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])))
      socket.on('close', () => (closedAt = Date.now()))
      const ask = async (target: string): Promise<{ status: number; bytes: number }> => {
        data = Buffer.alloc(0)
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${target}\r\nContent-Length: 2\r\n\r\n{}`)
        const deadline = Date.now() + 10_000
        for (;;) {
          const end = data.indexOf('\r\n\r\n')
          const length = end < 0 ? NaN : Number(/content-length: (\d+)/i.exec(data.subarray(0, end).toString())?.[1])
          if (data.length >= end + 4 + length) return { status: Number(data.subarray(9, 12).toString()), bytes: length }
          assert.ok(Date.now() < deadline && !closedAt, `no whole answer to ${target}; connection ${closedAt ? 'closed' : 'open'}`)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      }
      const large = await ask('AmazonSSM.GetInventory')
      assert.equal(large.status, 200)
      assert.ok(large.bytes > 3 * 1024 * 1024, `a large answer: ${large.bytes} bytes`)
      // Past the advertised 1 s and Node's own second beyond it, the connection still serves.
      await new Promise((resolve) => setTimeout(resolve, 3000))
      assert.equal((await ask('AmazonSSM.GetInventorySchema')).status, 200)
      // After a small answer, the usual timeout again.
      const idleSince = Date.now()
      await new Promise((resolve) => setTimeout(resolve, 3500))
      assert.ok(closedAt > 0, 'closed after the small answer')
      assert.ok(closedAt - idleSince < 3000, `closed ${closedAt - idleSince} ms after the small answer`)
    } finally {
      await keeping.stop()
      removeDir(keeping.dataDir)
    }
  })

  it('times out a client that stops sending, and survives one that disconnects', async () => {
    const status = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetInventorySchema\r\nContent-Length: 100\r\n\r\n{"Max')
      })
      let data = ''
      socket.on('data', (chunk) => (data += chunk))
      socket.on('close', () => resolve(data.split('\r\n')[0]))
    })
    assert.match(status, /^HTTP\/1\.1 408/)
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.PutInventory\r\nContent-Length: 500\r\n\r\n{"Inst')
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 50)
      })
    })
    assert.equal((await fetch(`${server.url}/health`)).status, 200)
  })

  it('answers large bodies (decoded on a worker thread) exactly as small ones (decoded inline)', async () => {
    // Padding with an unknown member moves the same request over the 4 KiB offload threshold.
    const pad = 'x'.repeat(8192)
    const cases: object[] = [
      { InstanceId: 'bogus', Items: [] },
      { InstanceId: instanceId(9), Items: [{ TypeName: 'AWS:Bogus', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z' }] },
      { InstanceId: instanceId(9), Items: [{ TypeName: 'Custom:T', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: [{ A: '1' }], Context: { X: '1' } }] },
      { InstanceId: instanceId(9), Items: [{ TypeName: 'Custom:T', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: [{ A: 5 }] }] },
    ]
    for (const body of cases) {
      const small = await rawCall(server.url, 'AmazonSSM.PutInventory', body)
      const large = await rawCall(server.url, 'AmazonSSM.PutInventory', { ...body, Padding: pad })
      assert.equal(small.status, 400)
      assert.equal(large.status, small.status)
      assert.deepEqual(large.json, small.json)
    }
    const invalidUtf8 = Buffer.concat([Buffer.from(`{"InstanceId":"${instanceId(9)}","Padding":"${pad}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
    const broken = await rawCall(server.url, 'AmazonSSM.PutInventory', invalidUtf8)
    assert.equal(broken.json.__type, 'SerializationException')
    const content = Array.from({ length: 200 }, (_, i) => ({ Name: `n${i}`, Version: `${i}` }))
    const ok = await rawCall(server.url, 'AmazonSSM.PutInventory', { InstanceId: instanceId(9), Items: [{ TypeName: 'Custom:Large', SchemaVersion: '1.0', CaptureTime: '2026-01-01T00:00:00Z', Content: content }] })
    assert.equal(ok.status, 200, ok.text)
    const listed = await rawCall(server.url, 'AmazonSSM.ListInventoryEntries', { InstanceId: instanceId(9), TypeName: 'Custom:Large', MaxResults: 50 })
    assert.equal(listed.json.Entries.length, 50)
    assert.deepEqual(listed.json.Entries[7], { Name: 'n7', Version: '7' })
  })

  it('answers other paths with 404 JSON', async () => {
    const response = await fetch(`${server.url}/nothing`)
    assert.equal(response.status, 404)
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(server.output(), /unexpected error/)
  })
})
