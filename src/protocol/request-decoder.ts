/**
 * Turns a request body into what an operation's handler takes: UTF-8 check, JSON parse,
 * validation against the service model, then the operation's own pure `prepare` step.
 *
 * For a large body that work costs more than the rest of the request (a 10 KiB PutInventory:
 * ~200 µs of parsing, validating and serialising Content against ~250 µs of HTTP and
 * SQLite), and it needs nothing stored, so the decoder hands bodies above a threshold to
 * worker threads and keeps the main thread for I/O and the store. Small bodies are decoded
 * inline: a thread hop would cost more than it saves. Either way the same function runs,
 * so the answers (including every error) are identical.
 */
import { isUtf8 } from 'node:buffer'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { InventoryLimits } from '../inventory/deps.js'
import { operations, type Operation } from '../inventory/operations.js'
import { AwsError, InternalServerError, SerializationException } from './errors.js'
import { operation as modelOperation } from './service-model.js'
import { validateInput } from './validate.js'

const ROLE = 'ssm-inventory-request-decoder'

export function decodeRequest(operationName: string, body: Buffer, limits: InventoryLimits): unknown {
  const operation: Operation = operations[operationName]
  const input = validateInput(modelOperation(operationName)!.input.shape, parseJson(body), operation.enumErrors)
  return operation.prepare ? operation.prepare(input, limits) : input
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {}
  if (!isUtf8(body)) throw new SerializationException('The request body is not valid UTF-8.')
  const text = body.toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new SerializationException(`The request body is not valid JSON: ${(error as Error).message}`)
  }
  return text.includes('\\u') && SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value
}

/**
 * A surrogate escape: the only way a lone surrogate can arrive, UTF-8 having no encoding for
 * one. Strings are kept as well-formed Unicode, a lone surrogate becoming U+FFFD (as encoding
 * it to UTF-8 for storage would make it anyway, differently per store); see the README.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

interface WellFormedString {
  toWellFormed(): string
}

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return (value as unknown as WellFormedString).toWellFormed()
  if (Array.isArray(value)) return value.map(wellFormed)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [(key as unknown as WellFormedString).toWellFormed(), wellFormed(member)]))
  }
  return value
}

/** An AwsError raised on a decoding thread, rebuilt on the main thread with the same answer. */
class DecodedAwsError extends AwsError {
  constructor(
    readonly type: string,
    message: string,
    override readonly status: number,
    fields: Record<string, string>,
  ) {
    super(message)
    Object.assign(this.fields, fields)
  }
}

type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; aws?: { type: string; status: number; message: string; fields: Record<string, string> }; message: string }

interface DecoderData {
  role: typeof ROLE
  limits: InventoryLimits
}

interface Pending {
  resolve(value: unknown): void
  reject(error: unknown): void
}

interface DecoderThread {
  worker: Worker
  pending: Map<number, Pending>
}

export interface RequestDecoderOptions {
  limits: InventoryLimits
  /** Decoding threads; 0 decodes everything on the main thread. */
  threads: number
  /** Bodies of at least this many bytes go to a thread. */
  offloadBytes: number
  onThreadError?(error: unknown): void
}

export class RequestDecoder {
  private readonly threads: DecoderThread[] = []
  private nextId = 1
  private closed = false

  constructor(private readonly options: RequestDecoderOptions) {
    for (let i = 0; i < options.threads; i++) this.threads.push(this.spawn())
  }

  decode(operationName: string, body: Buffer): Promise<unknown> {
    if (this.threads.length === 0 || body.length < this.options.offloadBytes) {
      return new Promise((resolve) => resolve(decodeRequest(operationName, body, this.options.limits)))
    }
    const thread = this.threads.reduce((best, t) => (t.pending.size < best.pending.size ? t : best))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject })
      if (thread.pending.size === 1) thread.worker.ref()
      // A body that owns its whole memory moves to the thread; a slice of a shared pool is copied.
      const whole = body.byteOffset === 0 && body.buffer.byteLength === body.length
      thread.worker.postMessage({ id, operationName, body }, whole ? [body.buffer as ArrayBuffer] : [])
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }

  private spawn(): DecoderThread {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, limits: this.options.limits } satisfies DecoderData })
    worker.unref()
    const thread: DecoderThread = { worker, pending: new Map() }
    worker.on('message', (reply: Reply) => {
      const pending = thread.pending.get(reply.id)
      if (!pending) return
      thread.pending.delete(reply.id)
      if (thread.pending.size === 0) worker.unref()
      if (reply.ok) pending.resolve(reply.value)
      else if (reply.aws) pending.reject(new DecodedAwsError(reply.aws.type, reply.aws.message, reply.aws.status, reply.aws.fields))
      else pending.reject(new Error(`request decoding failed: ${reply.message}`))
    })
    worker.on('error', (error) => this.options.onThreadError?.(error))
    worker.on('exit', () => {
      // Requests in flight on a thread that died get a 500; a fresh thread takes its place.
      for (const pending of thread.pending.values()) pending.reject(new InternalServerError('The request decoder stopped unexpectedly.'))
      thread.pending.clear()
      const index = this.threads.indexOf(thread)
      if (index >= 0 && !this.closed) this.threads[index] = this.spawn()
    })
    return thread
  }
}

function failure(id: number, error: unknown): Reply {
  return error instanceof AwsError
    ? { id, ok: false, message: error.message, aws: { type: error.type, status: error.status, message: error.message, fields: { ...error.fields } } }
    : { id, ok: false, message: error instanceof Error ? error.stack ?? error.message : String(error) }
}

function serveDecoding(data: DecoderData): void {
  parentPort!.on('message', (message: { id: number; operationName: string; body: Uint8Array }) => {
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)
    let reply: Reply
    try {
      reply = { id: message.id, ok: true, value: decodeRequest(message.operationName, body, data.limits) }
    } catch (error) {
      reply = failure(message.id, error)
    }
    try {
      parentPort!.postMessage(reply)
    } catch (error) {
      // The value could not be sent back (it cannot be cloned): the request fails, the thread stays.
      parentPort!.postMessage(failure(message.id, error))
    }
  })
}

if (!isMainThread && (workerData as DecoderData | undefined)?.role === ROLE) serveDecoding(workerData as DecoderData)
