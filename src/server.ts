/**
 * Wiring: the only place that creates concrete objects (store, worker, HTTP server).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { AUTO_BATCH_SIZE, type ServerConfig } from './config.js'
import { DeletionWorker, type DeletionWorkerOptions } from './deletions/deletion-worker.js'
import { systemClock, type Clock, type Deps } from './inventory/deps.js'
import { operations } from './inventory/operations.js'
import { createLogger, type Logger } from './log.js'
import { Metrics } from './metrics.js'
import { CredentialsFileError, loadAccessKeys, OpenAuthenticator, SigV4Authenticator, type Authenticator } from './protocol/authentication.js'
import { AnswerBudget } from './protocol/answer-budget.js'
import { BodyBudget } from './protocol/body-budget.js'
import { handleApiRequest, isApiRequest } from './protocol/http-handler.js'
import { RequestDecoder } from './protocol/request-decoder.js'
import { AnswerMemory } from './protocol/raw-json.js'
import { PAGE_CONTENT_BUDGET_CHARS } from './store/page-budget.js'
import { openPostgresStore, POOL_CAP_MS } from './store/postgres/postgres-store.js'
import { openSqliteStore } from './store/sqlite/sqlite-store.js'
import type { Store } from './store/store.js'
import { CONSOLE_PATH, WebConsole } from './web-console.js'

/** Bodies from this size on are decoded on a worker thread (measured: below it the hop costs more than it saves). */
const OFFLOAD_BODY_BYTES = 4096

export interface RunningServer {
  readonly url: string
  readonly store: Store
  /**
   * Reads the credentials file again and puts its keys in force (on SIGHUP), saying so in the
   * log. A file that does not load leaves the keys in force as they were. Whether new keys are
   * in force: false also without a credentials file (nothing to reload).
   */
  reloadCredentials(): boolean
  close(): Promise<void>
}

/**
 * An explicit batch size is used as given. Automatic: 200 on SQLite, where a batch holds the
 * only writer and the event loop, so it stays small and fixed; on PostgreSQL a batch blocks
 * only puts replacing its own rows, so it starts at 1000 and is sized to take the target time.
 */
function deletionWorkerOptions(config: ServerConfig, storeKind: 'sqlite' | 'postgres'): DeletionWorkerOptions {
  const { batchTargetMs, ...options } = config.deletion
  if (options.batchSize !== AUTO_BATCH_SIZE) return options
  if (storeKind === 'sqlite') return { ...options, batchSize: 200 }
  return { ...options, batchSize: 1000, adaptive: { targetMs: batchTargetMs, minSize: 100, maxSize: 20_000 } }
}

/** What SIGHUP does (see RunningServer.reloadCredentials): the file read again into the verifier. */
function reloadCredentials(verifier: SigV4Authenticator | undefined, credentialsFile: string | undefined, log: Logger): boolean {
  if (!verifier || credentialsFile === undefined) {
    log.warn('no credentials file to reload: every well-formed signature is accepted, as before')
    return false
  }
  let keys
  try {
    keys = loadAccessKeys(credentialsFile)
  } catch (error) {
    if (!(error instanceof CredentialsFileError)) throw error
    log.error('the credentials file did not load; the keys in force stay as they were', { error: error.message })
    return false
  }
  verifier.replaceKeys(keys)
  log.info('credentials reloaded', { file: credentialsFile, keys: keys.length })
  return true
}

export async function startServer(config: ServerConfig, clock: Clock = systemClock, log: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  // Keys first: a bad credentials file stops the start before anything is opened.
  const { credentialsFile } = config
  const verifier = credentialsFile === undefined ? undefined : new SigV4Authenticator(loadAccessKeys(credentialsFile), () => clock.now().getTime())
  const authenticator: Authenticator = verifier ?? new OpenAuthenticator()
  const store: Store = config.databaseUrl === undefined
    ? openSqliteStore({
      path: join(config.dataDir, 'inventory.sqlite'),
      queryThreads: config.queryThreads,
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      onCheckpointerEnded: (error, restartInMs) => log.warn('the SQLite checkpointer thread ended; another starts soon', { error: error.message, restartInMs }),
    })
    : await openPostgresStore({
      url: config.databaseUrl,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      poolSize: config.databasePoolSize,
      onConnectionError: (error) => log.warn('a PostgreSQL connection broke; the pool opens a new one when needed', { error: error.message }),
      onConnectionLimit: (connections, error) =>
        log.warn(`PostgreSQL refused another connection: for ${POOL_CAP_MS / 1000} s this node opens no more and calls wait for the ones it has`, {
          connectionsOpenOrOpening: connections,
          error: error.message,
        }),
      onPutGroupFailed: (error, puts) =>
        log.warn('a group of puts failed together; each of its puts is written on its own', { puts, error: error.message, code: (error as { code?: string }).code }),
    })
  const storeKind = config.databaseUrl === undefined ? 'sqlite' : 'postgres'
  // A call waits for room for its body at most half the time it has to send it (Node answers a bare 408 after that).
  const bodyBudget = new BodyBudget({ capacityBytes: config.maxInflightBodyBytes, maxWaitMs: Math.floor(config.requestTimeoutMs / 2) })
  const answerBudget = new AnswerBudget(config.maxInflightAnswerBytes, PAGE_CONTENT_BUDGET_CHARS)
  const answerMemory = new AnswerMemory()
  const metrics = new Metrics(store, bodyBudget, answerBudget)
  const worker = new DeletionWorker(store, clock, deletionWorkerOptions(config, storeKind), log, (progress) => metrics.deletionProgress(progress))
  const deps: Deps = { store, clock, limits: config.limits, onDeletionStarted: () => worker.notify() }
  const decoder = new RequestDecoder({
    limits: config.limits,
    threads: config.decodeThreads,
    offloadBytes: OFFLOAD_BODY_BYTES,
    onThreadError: (error) => log.error('request decoding thread failed; it is replaced', { error: String((error as Error)?.stack ?? error) }),
  })
  const webConsole = new WebConsole()
  let accepting = true

  // Node checks request timeouts on this interval (30 s by default, too coarse for short limits).
  const timeoutCheckMs = Math.max(100, Math.min(1000, Math.floor(config.requestTimeoutMs / 4)))
  const server: Server = createServer({ connectionsCheckingInterval: timeoutCheckMs }, (req, res) => {
    if (isApiRequest(req)) {
      void handleApiRequest(req, res, {
        operations, decoder, authenticator, deps, log, maxBodyBytes: config.maxBodyBytes, bodyBudget, answerBudget, answerMemory, keepAliveTimeoutMs: config.keepAliveTimeoutMs, answerStallMs: config.requestTimeoutMs, accepting: () => accepting,
        onAnswered: (call) => metrics.answered(call),
      })
      return
    }
    if (webConsole.handles(req)) {
      webConsole.serve(req, res)
      return
    }
    if (req.method === 'GET' && req.url === '/health') {
      const body = JSON.stringify(accepting ? { status: 'ok', store: storeKind } : { status: 'draining' })
      res.writeHead(accepting ? 200 : 503, { 'content-type': 'application/json' }).end(body)
      return
    }
    if (req.method === 'GET' && req.url === '/ready') {
      void readiness(store, storeKind, accepting).then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
      return
    }
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error) => {
          log.error('metrics collection failed', { error: String(error) })
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n')
        },
      )
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ __type: 'NotFound', message: `Nothing is served at ${req.method} ${req.url}; the API is POST /, the web console is at ${CONSOLE_PATH}/.` }))
  })
  server.requestTimeout = config.requestTimeoutMs
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000)
  // A balancer that sends a request on a connection the node is closing that instant answers its
  // client 502: behind one, this must outlast the balancer's own idle timeout.
  server.keepAliveTimeout = config.keepAliveTimeoutMs

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => resolve())
    })
  } catch (error) {
    // The store's threads (and the pool's connections) would otherwise keep the process alive,
    // the error printed: a supervisor would see a server that neither runs nor exits.
    await decoder.close()
    await store.close()
    throw new ListenError(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { cause: error })
  }
  worker.start()
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  log.info('ssm-inventory listening', { url, store: storeKind, dataDir: config.databaseUrl === undefined ? config.dataDir : undefined, authentication: authenticator.verifies ? 'sigv4' : 'none', console: webConsole.built ? `${url}${CONSOLE_PATH}/` : 'not built' })

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      accepting = false
      bodyBudget.refuseAll()
      const drained = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
      await drained
      clearTimeout(force)
      // The worker's current batch, calls abandoned by the drain and the pool's connections may
      // all be waiting on a database that stopped answering (up to the query timeout, or for
      // good on a connection whose peer vanished): shutdown waits for them only so long.
      let timer: NodeJS.Timeout | undefined
      const gaveUp = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), RELEASE_MS)))
      const released = (async () => {
        await worker.stop()
        await decoder.close()
        await store.close()
      })().then(
        () => false,
        (error: unknown) => (log.warn('stopping the deletion worker or closing the store failed', { error: String(error) }), false),
      )
      if ((await Promise.race([released, gaveUp])) === true) {
        log.warn(`stopping without waiting longer for the database: it did not let go within ${RELEASE_MS / 1000} s`)
      }
      clearTimeout(timer)
      log.info('ssm-inventory stopped')
    })()
    return closing
  }
  return { url, store, reloadCredentials: () => reloadCredentials(verifier, credentialsFile, log), close }
}

/** The address could not be bound (in use, not this machine's, a privileged port). */
export class ListenError extends Error {}

/** Shutdown: how long calls in flight may take to finish before their connections are closed. */
const DRAIN_MS = 10_000
/** Shutdown, after the drain: how long the deletion worker and the store may take to let go. */
const RELEASE_MS = 5_000

/** How long GET /ready waits for the database before it says the node is not ready. */
const READY_TIMEOUT_MS = 2000

/**
 * GET /ready, for load balancers: 200 while this node can reach its database (a trivial query
 * answered within READY_TIMEOUT_MS), 503 otherwise or while draining. GET /health stays the
 * process's own liveness, so an orchestrator does not restart nodes for a database outage.
 */
async function readiness(store: Store, storeKind: string, accepting: boolean): Promise<{ status: number; body: object }> {
  if (!accepting) return { status: 503, body: { status: 'draining', store: storeKind } }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
  })
  try {
    await Promise.race([store.ping(), timeout])
    return { status: 200, body: { status: 'ready', store: storeKind } }
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', store: storeKind, error: (error as Error).message } }
  } finally {
    clearTimeout(timer)
  }
}
