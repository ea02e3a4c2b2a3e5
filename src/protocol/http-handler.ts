/**
 * AWS JSON 1.1 over HTTP: `POST /` with `X-Amz-Target: AmazonSSM.<Operation>` and a JSON
 * body. Reads the body within a size limit, dispatches on the target, has the decoder parse
 * and validate it against the service model, runs the operation and writes its result or error. Every
 * response carries `x-amzn-RequestId`.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Caller, Deps } from '../inventory/deps.js'
import type { Operation } from '../inventory/operations.js'
import type { Logger } from '../log.js'
import { StoreUnavailableError } from '../store/store.js'
import type { Authenticator, Principal } from './authentication.js'
import type { AnswerBudget } from './answer-budget.js'
import type { BodyBudget, Reservation } from './body-budget.js'
import {
  AccessDeniedException,
  AwsError,
  InternalServerError,
  RequestEntityTooLargeException,
  RequestTimeoutException,
  ServiceUnavailableException,
  UnknownOperationException,
  UnsupportedMediaTypeException,
} from './errors.js'
import { operation as modelOperation, targetPrefix } from './service-model.js'
import { serializeJson, type AnswerMemory } from './raw-json.js'
import type { RequestDecoder } from './request-decoder.js'

export const CONTENT_TYPE = 'application/x-amz-json-1.1'
const ACCEPTED_CONTENT_TYPES = ['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json']

export interface ApiOptions {
  operations: Record<string, Operation>
  /** Parses, validates and prepares request bodies (large ones on worker threads). */
  decoder: RequestDecoder
  /** Checks signatures (or not) and says which account and region a request belongs to. */
  authenticator: Authenticator
  deps: Deps
  log: Logger
  maxBodyBytes: number
  /** Bounds the bodies held at once across calls. */
  bodyBudget: BodyBudget
  /** Bounds the large answers (GetInventory pages) held at once across calls. */
  answerBudget: AnswerBudget
  /** Memory for large answers, used again from one answer to the next. */
  answerMemory: AnswerMemory
  /** The server's keep-alive timeout (kept longer after a large answer). */
  keepAliveTimeoutMs: number
  /** How long a client may take none of its answer before its connection is closed. */
  answerStallMs: number
  /** False while the server drains on shutdown: new API calls get 503. */
  accepting(): boolean
  /** Called once per API call when it is answered (for metrics). */
  onAnswered?(call: AnsweredCall): void
}

export interface AnsweredCall {
  operation: string
  status: number
  errorType?: string
  seconds: number
}

class Answer {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {}
}

export function isApiRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === '/' || req.url?.startsWith('/?') === true)
}

export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, options: ApiOptions): Promise<void> {
  const requestId = randomUUID()
  const started = process.hrtime.bigint()
  let operationName = 'unknown'
  let answer: Answer
  let principal: Principal | undefined
  let reservation: Reservation | undefined
  let answerReservation: Reservation | undefined
  try {
    if (!options.accepting()) throw new ServiceUnavailableException('The server is shutting down; retry on another node or later.')
    operationName = targetOperation(req.headers['x-amz-target'], options.operations)
    checkContentType(req.headers['content-type'])
    const declared = declaredBodyBytes(req, options.maxBodyBytes)
    // Who is calling is settled before the body is even parsed, as AWS does; a caller the
    // headers already refuse (no signature, an unknown key, a stale date) is answered before
    // its body is read or room is held for it.
    const screened = await options.authenticator.screen(req)
    const reserved = declared ?? options.maxBodyBytes
    reservation = options.bodyBudget.tryReserve(reserved) ?? await options.bodyBudget.wait(reserved, clientGone(res))
    const body = await readBody(req, options.maxBodyBytes)
    if (declared === undefined) reservation.shrinkTo(body.length)
    principal = screened.verify(body)
    const operation = options.operations[operationName]
    if (operation.writes && principal.readOnly) {
      throw new AccessDeniedException(
        `User: arn:aws:iam::${principal.partition.account}:user/${principal.accessKeyId ?? 'unknown'} is not authorized to perform: ssm:${operationName} because its access key is read-only.`,
      )
    }
    const input = await options.decoder.decode(operationName, body)
    const caller: Caller = { partition: principal.partition }
    if (operation.largeAnswers) {
      answerReservation = options.answerBudget.reserve()
      caller.pageContentChars = answerReservation.bytes
    }
    answer = new Answer(200, await operation.handler(input, caller, options.deps))
  } catch (error) {
    answer = errorAnswer(error, requestId, operationName, options.log)
  } finally {
    // The body and the request's parsed form are garbage from here on (a GetInventory answer stays counted, below).
    reservation?.release()
  }
  if (res.destroyed) {
    answerReservation?.release()
    return
  }
  const { payload, release } = serializeJson(answer.body, options.answerMemory)
  // The memory goes back once the answer is written, or its connection closed (write requests ended).
  if (release) res.once('close', release)
  const payloadBytes = Buffer.byteLength(payload)
  if (answerReservation) {
    // The answer is held until the last of it is handed to the kernel, or the connection closes.
    answerReservation.release()
    const held = options.answerBudget.hold(payloadBytes)
    res.once('close', () => held.release())
  }
  // Time spent reading, handling and serialising the request (before the network send).
  const serverMs = Number(process.hrtime.bigint() - started) / 1e6
  // A body too large is discarded as it arrives and its connection closed once answered. (Any
  // other body left unread, as a throttled call's, Node discards after the answer, keeping the
  // connection: the client, which sends the whole body before it reads, then reads the answer.)
  if (answer.status === 413) req.resume()
  res.writeHead(answer.status, {
    'content-type': CONTENT_TYPE,
    'server-timing': `app;dur=${serverMs.toFixed(3)}`,
    'content-length': payloadBytes,
    'x-amzn-requestid': requestId,
    // While draining, a call answered closes its connection, so the drain ends when the last call does.
    ...(answer.status === 413 || answer.status === 503 || !options.accepting() ? { connection: 'close' } : {}),
  })
  if (payloadBytes >= LARGE_ANSWER_BYTES) keepIdleLongerAfter(res, payloadBytes, options.keepAliveTimeoutMs)
  res.end(payload)
  // What the kernel did not take at once waits in the server's memory until the client reads it.
  if ((res.socket?.writableLength ?? 0) > 0) closeIfStalled(res, options.answerStallMs)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const errorType = answer.status === 200 ? undefined : (answer.body as { __type?: string }).__type
  options.onAnswered?.({ operation: operationName, status: answer.status, errorType, seconds })
  // Who called, once known (the key only when signatures are verified): an audit trail at debug level.
  options.log.debug('request', {
    requestId, operation: operationName, status: answer.status, errorType, ms: Math.round(seconds * 1000),
    account: principal?.partition.account, region: principal?.partition.region, accessKeyId: principal?.accessKeyId,
  })
}

function targetOperation(target: string | string[] | undefined, operations: Record<string, Operation>): string {
  if (typeof target !== 'string' || target === '') throw new UnknownOperationException('The request has no X-Amz-Target header naming an operation.')
  const dot = target.lastIndexOf('.')
  const prefix = target.slice(0, dot)
  const name = target.slice(dot + 1)
  if (dot < 0 || prefix !== targetPrefix || !Object.prototype.hasOwnProperty.call(operations, name) || !modelOperation(name)) {
    throw new UnknownOperationException(`Operation ${target} is not supported by this server; it serves ${Object.keys(operations).map((o) => `${targetPrefix}.${o}`).join(', ')}.`)
  }
  return name
}

function checkContentType(header: string | undefined): void {
  const type = header?.split(';')[0].trim().toLowerCase()
  if (!type || !ACCEPTED_CONTENT_TYPES.includes(type)) {
    throw new UnsupportedMediaTypeException(`Content-Type must be ${CONTENT_TYPE}; got ${header ? `'${header}'` : 'none'}.`)
  }
}

const MIB = 1024 * 1024
const LARGE_ANSWER_BYTES = MIB

/**
 * A client that stops reading would hold its answer, in the server's memory and under
 * --max-inflight-answer-bytes, for as long as its connection stays open: the connection is
 * closed once none of the answer has gone out for `stallMs`. The socket's timer restarts as
 * the kernel takes more of the answer, so a slow client that keeps reading gets all of it.
 */
function closeIfStalled(res: ServerResponse, stallMs: number): void {
  res.setTimeout(stallMs, () => res.destroy())
}

/**
 * Node starts a connection's keep-alive timer once an answer is handed to the kernel, and keeps
 * the connection a second past the timeout it advertises; clients that heed the advertised
 * timeout (Node's agent, undici) stop reusing a connection a second before it, counted from
 * when they finished reading. A large answer may wait in the socket buffers longer than that
 * margin while a busy client works through it, and the client then sends its next call on a
 * connection the server is closing that instant ("socket hang up"; measured: 1 page in 200 with
 * 20 SDK clients paging 17 MB pages at once). After a large answer the connection is kept idle
 * one more second per MiB answered.
 */
function keepIdleLongerAfter(res: ServerResponse, bytes: number, keepAliveTimeoutMs: number): void {
  const socket = res.socket
  if (!socket) return
  res.once('finish', () => {
    // Node's own 'finish' listener, which runs first, has just set its keep-alive timer (unless
    // the connection is closing or a pipelined call is next: then the timeout is left alone).
    const timeout = socket.timeout ?? 0
    if (socket.destroyed || timeout < keepAliveTimeoutMs) return
    socket.setTimeout(timeout + Math.ceil(bytes / MIB) * 1000)
  })
}

/**
 * The body's size when the client declared it (refused at once above the limit, before any
 * of it is read or waited for); undefined for a chunked body, whose size is known once read.
 */
function declaredBodyBytes(req: IncomingMessage, limit: number): number | undefined {
  const header = req.headers['content-length']
  if (header === undefined) return req.headers['transfer-encoding'] === undefined ? 0 : undefined
  const declared = Number(header)
  if (!Number.isSafeInteger(declared) || declared < 0) return undefined
  if (declared > limit) throw tooLarge(limit)
  return declared
}

/** Aborts when the client closes its connection before the call is answered. */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => controller.abort())
  return controller.signal
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners('data')
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks, size)))
    // A client that goes away gets no answer; the error only ends this request's work.
    req.on('error', () => reject(new RequestTimeoutException('The client closed the connection before sending the whole request.')))
    req.on('aborted', () => reject(new RequestTimeoutException('The client closed the connection before sending the whole request.')))
  })
}

function tooLarge(limit: number): RequestEntityTooLargeException {
  return new RequestEntityTooLargeException(`The request body is larger than the limit of ${limit} bytes.`)
}

function errorAnswer(error: unknown, requestId: string, operation: string, log: Logger): Answer {
  if (error instanceof AwsError) {
    return new Answer(error.status, { __type: error.type, message: error.message, ...error.fields })
  }
  if (error instanceof StoreUnavailableError) {
    // An outage (the database did not answer, or its connection failed): what happened is enough.
    log.error('database unavailable', { requestId, operation, error: error.message })
  } else {
    log.error('unexpected error', { requestId, operation, error: error instanceof Error ? error.stack : String(error) })
  }
  const internal = new InternalServerError(`An internal error occurred; request id ${requestId}.`)
  return new Answer(internal.status, { __type: internal.type, message: internal.message })
}
