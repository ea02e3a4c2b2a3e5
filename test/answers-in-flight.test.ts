/**
 * --max-inflight-answer-bytes: the GetInventory answers a server holds at once are bounded.
 * A page's content budget is what is left of the capacity (at most 16 Mi characters, at least
 * 1 Mi), so pages asked while large answers are held end sooner, with a NextToken.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { AnswerMemory, RawJson, serializeJson } from '../src/protocol/raw-json.js'
import { instanceId, rawCall } from './support/clients.js'
import { sample } from './support/metrics.js'
import { removeDir, startServerProcess, type ServerProcess } from './support/server-process.js'

const MIB = 1024 * 1024

const CONTENT = Array.from({ length: 190 }, (_, e) => ({ Name: `n${e}`, Value: 'v'.repeat(950) }))
/** Characters of content of one instance, as the page budget counts them. */
const INSTANCE_CHARS = 5 * JSON.stringify(CONTENT).length

/** Instances on a page whose budget is `chars`: a new instance is read while the content is below it. */
function instancesWithin(chars: number): number {
  return Math.floor(chars / INSTANCE_CHARS) + 1
}

/** An instance with five custom types of ~185 KB each: ~925 K characters of content. */
async function putLargeInstance(url: string, n: number): Promise<void> {
  const items = Array.from({ length: 5 }, (_, t) => ({ TypeName: `Custom:Answer${t}`, SchemaVersion: '1.0', CaptureTime: '2026-11-30T00:00:00Z', Content: CONTENT }))
  const answer = await rawCall(url, 'AmazonSSM.PutInventory', { InstanceId: instanceId(n), Items: items })
  assert.equal(answer.status, 200, answer.text)
}

async function heldChars(url: string): Promise<number> {
  return sample(await (await fetch(`${url}/metrics`)).text(), 'ssm_inventory_answer_chars_held') ?? NaN
}

async function page(url: string, body: object = {}): Promise<{ instances: number; next?: string }> {
  const answer = await rawCall(url, 'AmazonSSM.GetInventory', body)
  assert.equal(answer.status, 200, answer.text.slice(0, 300))
  return { instances: answer.json.Entities.length, next: answer.json.NextToken }
}

describe('GetInventory answers held at once (--max-inflight-answer-bytes)', () => {
  let server: ServerProcess
  before(async () => {
    // 20 MiB: a page read alone has the 16 MiB of a page; beside an unread answer of ~17 MB, ~3 MiB.
    server = await startServerProcess({ args: ['--max-inflight-answer-bytes', String(20 * MIB)] })
    for (let n = 1; n <= 30; n++) await putLargeInstance(server.url, n)
  })
  after(async () => {
    await server.stop()
    removeDir(server.dataDir)
  })

  it('gives a page read alone the 16 MiB of a page, and holds nothing once it is answered', async () => {
    assert.equal(instancesWithin(16 * MIB), 19)
    assert.equal((await page(server.url)).instances, 19)
    assert.equal(await heldChars(server.url), 0)
  })

  it('ends pages sooner while another client has not taken its large answer, and no longer once it has', async () => {
    // A client that asks for a page and does not read it: its ~17 MB answer outgrows the socket
    // buffers and stays held.
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
    try {
      socket.pause()
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetInventory\r\nContent-Length: 2\r\n\r\n{}')
      const deadline = Date.now() + 10_000
      // Past 16 Mi: the answer itself, larger than the budget its page read with.
      while ((await heldChars(server.url)) <= 16 * MIB) {
        assert.ok(Date.now() < deadline, `the unread answer is held: ${await heldChars(server.url)} characters`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // What is left (~3 MiB) is the budget of the next pages: they end sooner, with a token to go on.
      const left = 20 * MIB - (await heldChars(server.url))
      assert.ok(left > 2 * MIB && left < 4 * MIB, `${left} characters left`)
      const sooner = await page(server.url)
      assert.equal(sooner.instances, instancesWithin(left))
      assert.ok(sooner.next)
      const rest = await page(server.url, { NextToken: sooner.next })
      assert.equal(rest.instances, instancesWithin(left))

      socket.resume()
      socket.on('data', () => {})
      while ((await heldChars(server.url)) > 0) {
        assert.ok(Date.now() < deadline, 'the answer is given back once the client took it')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      assert.equal((await page(server.url)).instances, 19)
    } finally {
      socket.destroy()
    }
  })

  it('gives a page at least 1 MiB of content, however much is held, and pages still reach every instance', async () => {
    const tight = await startServerProcess({ args: ['--max-inflight-answer-bytes', String(MIB)] })
    try {
      for (let n = 1; n <= 5; n++) await putLargeInstance(tight.url, n)
      // 1 Mi characters: the second instance reaches it.
      const first = await page(tight.url)
      assert.equal(first.instances, instancesWithin(MIB))
      assert.equal(first.instances, 2)
      let seen = first.instances
      let next = first.next
      while (next) {
        const more = await page(tight.url, { NextToken: next })
        seen += more.instances
        next = more.next
      }
      assert.equal(seen, 5)
    } finally {
      await tight.stop()
      removeDir(tight.dataDir)
    }
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(server.output(), /unexpected error|"level":"error"/)
  })
})

/**
 * A client that stops taking its answer has its connection closed after --request-timeout-ms
 * without progress, and the answer is let go; a slow client that keeps reading gets all of it,
 * however long that takes.
 */
describe('answers a client stops reading', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServerProcess({ args: ['--request-timeout-ms', '1500'] })
    for (let n = 1; n <= 20; n++) await putLargeInstance(server.url, n)
  })
  after(async () => {
    await server.stop()
    removeDir(server.dataDir)
  })

  /** Asks for the first page (19 instances, ~17 MB) on a raw socket and reads at most `bytesPerSecond` (0: nothing). */
  function readPage(bytesPerSecond: number): { socket: Socket; outcome: Promise<{ closedAfterBytes: number; status?: string; complete: boolean }> } {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
    socket.pause()
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetInventory\r\nContent-Length: 2\r\n\r\n{}')
    const outcome = new Promise<{ closedAfterBytes: number; status?: string; complete: boolean }>((resolve) => {
      let received = Buffer.alloc(0)
      let bodyStart = -1
      let length = -1
      const started = Date.now()
      const done = () => resolve({ closedAfterBytes: received.length, status: received.subarray(0, 12).toString(), complete: bodyStart >= 0 && received.length - bodyStart >= length })
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        if (bodyStart < 0 && received.indexOf('\r\n\r\n') >= 0) {
          bodyStart = received.indexOf('\r\n\r\n') + 4
          length = Number(/content-length: (\d+)/i.exec(received.subarray(0, bodyStart).toString())?.[1])
        }
        if (bodyStart >= 0 && received.length - bodyStart >= length) {
          done()
          socket.destroy()
          return
        }
        // Ahead of the allowed rate: pause until the rate catches up (0: no rate once the test resumes it).
        const aheadMs = bytesPerSecond > 0 ? (received.length / bytesPerSecond) * 1000 - (Date.now() - started) : 0
        if (aheadMs > 0) {
          socket.pause()
          setTimeout(() => socket.resume(), aheadMs)
        }
      })
      socket.on('close', done)
      socket.on('error', () => {})
    })
    if (bytesPerSecond > 0) socket.resume()
    return { socket, outcome }
  }

  it('closes the connection of a client that takes none of its answer, and lets the answer go', async () => {
    const { socket, outcome } = readPage(0)
    try {
      const deadline = Date.now() + 10_000
      while ((await heldChars(server.url)) <= 16 * MIB) {
        assert.ok(Date.now() < deadline, 'the unread answer is held')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // Before: held until the client went away, however long that was.
      while ((await heldChars(server.url)) > 0) {
        assert.ok(Date.now() < deadline, `the answer is let go after 1.5 s without progress: ${await heldChars(server.url)} characters held`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      socket.resume()
      const { complete } = await outcome
      assert.equal(complete, false, 'the connection was closed before the answer was taken')
    } finally {
      socket.destroy()
    }
  })

  it('gives the whole answer to a client that reads slowly but steadily, past that limit', async () => {
    // ~3 MB/s: the ~17 MB answer takes ~6 s, well past 1.5 s.
    const started = Date.now()
    const { outcome } = readPage(3 * MIB)
    const result = await outcome
    assert.equal(result.status, 'HTTP/1.1 200')
    assert.ok(result.complete, `the whole answer arrived (${result.closedAfterBytes} bytes before the connection closed)`)
    assert.ok(Date.now() - started > 4000, "it took longer than the limit")
    assert.equal(await heldChars(server.url), 0)
  })

  it('has logged no unexpected error', () => {
    assert.doesNotMatch(server.output(), /unexpected error|"level":"error"/)
  })
})

/**
 * GetInventory answers are written into memory used again from one answer to the next
 * (AnswerMemory in raw-json.ts): memory goes back only once its answer is written, or its
 * connection gone.
 */
describe('answers written into memory used again', () => {
  it('reuses a block once released, keeps no more than its bounds, and never hands out one block twice', () => {
    const memory = new AnswerMemory(3 * MIB, MIB)
    const first = memory.take(300 * 1024)
    assert.equal(first.bytes.length, 300 * 1024)
    const second = memory.take(300 * 1024)
    assert.notEqual(second.bytes.buffer, first.bytes.buffer, 'a block in use is not handed out again')
    first.release()
    first.release() // twice: once only
    assert.equal(memory.keptForLater, 512 * 1024)
    const third = memory.take(200 * 1024)
    assert.equal(third.bytes.buffer, first.bytes.buffer, 'a released block is used again')
    assert.equal(memory.keptForLater, 0)
    // A block larger than needed is taken rather than none; the smallest that fits first.
    second.release()
    third.release()
    const small = memory.take(100 * 1024)
    assert.equal(small.bytes.length, 100 * 1024)
    assert.equal(memory.keptForLater, 512 * 1024)
    small.release()
    // Beyond a block's bound: memory of its own, not kept.
    const huge = memory.take(2 * MIB)
    huge.release()
    assert.equal(memory.keptForLater, 1024 * 1024)
    // Beyond what is kept in all: let go.
    const blocks = [memory.take(MIB), memory.take(MIB), memory.take(MIB), memory.take(MIB)]
    for (const block of blocks) block.release()
    assert.equal(memory.keptForLater, 3 * MIB)
  })

  it('serialises raw documents into it, the same bytes as without', () => {
    const memory = new AnswerMemory()
    const body = { Entities: [{ Id: 'i-1', Data: { 'Custom:T': { Content: new RawJson('[{"Name":"\u00e9t\u00e9","V":"€"}]') } } }], NextToken: 'x' }
    const pooled = serializeJson(body, memory)
    const plain = serializeJson(body)
    assert.ok(Buffer.isBuffer(pooled.payload) && Buffer.isBuffer(plain.payload))
    assert.equal(pooled.payload.toString(), plain.payload.toString())
    assert.deepEqual(JSON.parse(pooled.payload.toString()), { Entities: [{ Id: 'i-1', Data: { 'Custom:T': { Content: [{ Name: 'été', V: '€' }] } } }], NextToken: 'x' })
    assert.equal(plain.release, undefined)
    pooled.release!()
    // Answers without raw documents are plain strings.
    assert.deepEqual(serializeJson({ a: 1 }, memory), { payload: '{"a":1}' })
  })

  describe('over HTTP', () => {
    let server: ServerProcess
    before(async () => {
      server = await startServerProcess()
      for (let n = 1; n <= 12; n++) await putLargeInstance(server.url, n)
    })
    after(async () => {
      await server.stop()
      removeDir(server.dataDir)
    })

    it('gives a client that reads late its own answer, while other answers are written meanwhile', async () => {
      // Pages of three instances: ~2.8 MB, within the blocks kept (4 MiB).
      const expected = (await rawCall(server.url, 'AmazonSSM.GetInventory', { MaxResults: 3 })).text
      const all = (await rawCall(server.url, 'AmazonSSM.GetInventory', {})).text
      // On one connection read late: a page of all twelve instances (~11 MB, more than the
      // socket buffers take), then, pipelined, the page of three, which waits behind it.
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
      try {
        socket.pause()
        const request = (body: string) => `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetInventory\r\nContent-Length: ${body.length}\r\n\r\n${body}`
        socket.write(request('{}') + request('{"MaxResults":3}'))
        const deadline = Date.now() + 10_000
        while ((await heldChars(server.url)) < all.length + expected.length - 100_000) {
          assert.ok(Date.now() < deadline, `both answers are held: ${await heldChars(server.url)} characters`)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        // Other pages, of other instances, written meanwhile in memory the waiting answers must keep.
        let next: string | undefined
        for (let i = 0; i < 8; i++) {
          const other = await rawCall(server.url, 'AmazonSSM.GetInventory', { MaxResults: 3, ...(next && { NextToken: next }) })
          assert.equal(other.status, 200)
          next = other.json.NextToken
        }
        const received: Buffer[] = []
        const bodies = new Promise<string[]>((resolve, reject) => {
          socket.on('data', (chunk: Buffer) => {
            received.push(chunk)
            const found: string[] = []
            let data = Buffer.concat(received)
            for (;;) {
              const start = data.indexOf('\r\n\r\n') + 4
              if (start < 4) break
              const length = Number(/content-length: (\d+)/i.exec(data.subarray(0, start).toString())?.[1])
              if (data.length - start < length) break
              found.push(data.subarray(start, start + length).toString())
              data = data.subarray(start + length)
            }
            if (found.length === 2) resolve(found)
          })
          socket.on('close', () => reject(new Error(`closed after ${Buffer.concat(received).length} bytes`)))
        })
        socket.resume()
        const [first, second] = await bodies
        assert.ok(first === all, 'the first answer, byte for byte')
        assert.equal(second.length, expected.length)
        assert.ok(second === expected, 'the late reader got its own page, byte for byte')
      } finally {
        socket.destroy()
      }
    })

    it('has logged no unexpected error', () => {
      assert.doesNotMatch(server.output(), /unexpected error|"level":"error"/)
    })
  })
})
