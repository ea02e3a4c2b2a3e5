/**
 * A call over a raw socket whose body is sent in two steps, to hold a server in the middle of
 * reading it.
 */
import { connect, type Socket } from 'node:net'

export interface RawAnswer {
  status: number
  json: any
}

/**
 * A call sent over a raw socket whose body is sent in two steps: its headers (and the first
 * byte of its body) now, the rest on `finish()`. While unfinished it holds its reservation.
 */
export class HeldCall {
  private data = Buffer.alloc(0)
  private readonly answers: RawAnswer[] = []
  private readonly waiting: { resolve(answer: RawAnswer): void; reject(error: Error): void }[] = []
  private closed: Error | undefined
  private readonly answered: Promise<RawAnswer>
  private finished = false
  readonly socket: Socket

  /** `headers` replace the defaults (Host, Content-Type, X-Amz-Target of GetInventorySchema) or add to them. */
  constructor(url: string, private readonly body: string, private readonly chunked = false, headers: Record<string, string> = {}) {
    this.socket = connect(Number(new URL(url).port), '127.0.0.1')
    const all: Record<string, string> = {
      host: 'x', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventorySchema',
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) }),
    }
    this.socket.write(`POST / HTTP/1.1\r\n${Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`)
    if (!chunked) this.socket.write(body.slice(0, 1))
    this.socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk])
      for (;;) {
        const end = this.data.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = this.data.subarray(0, end).toString()
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1])
        if (this.data.length < end + 4 + length) return
        const text = this.data.subarray(end + 4, end + 4 + length).toString()
        this.data = this.data.subarray(end + 4 + length)
        const answer = { status: Number(head.split(' ')[1]), json: text ? JSON.parse(text) : undefined }
        const waiter = this.waiting.shift()
        if (waiter) waiter.resolve(answer)
        else this.answers.push(answer)
      }
    })
    const fail = (error: Error) => {
      this.closed ??= error
      for (const waiter of this.waiting.splice(0)) waiter.reject(error)
    }
    this.socket.on('error', fail)
    this.socket.on('close', () => fail(new Error('connection closed before an answer')))
    this.answered = this.nextAnswer()
    this.answered.catch(() => {})
  }

  private nextAnswer(): Promise<RawAnswer> {
    const ready = this.answers.shift()
    if (ready) return Promise.resolve(ready)
    if (this.closed) return Promise.reject(this.closed)
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  /** The answer to the call, whether or not the rest of its body was sent. */
  answer(): Promise<RawAnswer> {
    return this.answered
  }

  /** Sends the rest of the body (the whole body as one chunk when chunked) and waits for the answer. */
  finish(): Promise<RawAnswer> {
    if (!this.finished) {
      this.finished = true
      this.socket.write(this.chunked ? `${Buffer.byteLength(this.body).toString(16)}\r\n${this.body}\r\n0\r\n\r\n` : this.body.slice(1))
    }
    return this.answered
  }

  /** Sends another whole call (an unsigned GetInventorySchema of `{}`) on the same connection, once this one is finished, and waits for its answer. */
  async another(): Promise<RawAnswer> {
    await this.finish()
    this.socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: AmazonSSM.GetInventorySchema\r\ncontent-length: 2\r\n\r\n{}')
    return this.nextAnswer()
  }

  /** A call sent in chunks, without Content-Length: nothing of its body is sent before `finish()`. */
  static chunked(url: string, body: string): HeldCall {
    return new HeldCall(url, body, true)
  }
}
