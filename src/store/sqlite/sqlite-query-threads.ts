/**
 * GetInventory's fleet-wide queries, and DeleteInventory's count of a type's items, off the
 * event loop. better-sqlite3 runs a query on the calling thread until it ends, and an
 * aggregation or a filter that scans every instance's items takes as long as the fleet is
 * large (~250 ms at 10,000 instances x 5 types x 20 entries here; ~150 ms to count a type of
 * 300,000 items): on the main thread, every call of the server, puts included, waited for it.
 * These worker threads each open their own connection to the database file and run those
 * queries there. In WAL mode a reader never waits for the writer, and a read transaction
 * begun after a COMMIT sees it, so a report sees every put answered before it was asked.
 *
 * The store starts one thread when it opens (warmUp); more start as queries wait for one, up to
 * the pool's size (a prompt query starts one beyond it, which stops once idle), and a thread
 * that fails is replaced by the next query. Reports in flight are counted in `state`,
 * shared with the checkpointer, which may ask for new ones to be held for a moment so that the
 * WAL can start over (sqlite-checkpointer.ts).
 *
 * A query that runs past its time limit is stopped with its thread (better-sqlite3 cannot
 * interrupt SQLite; the query ends at its next yield point, sqlite-inventory-query.ts) and its
 * call fails as the database not answering in time, as a PostgreSQL statement timeout does. Without a limit, one runaway report held the thread (the
 * reports behind it waited) and its old snapshot kept the WAL from starting over; a client's
 * retries after its own timeout (boto3: 60 s) then queued the same report again behind it.
 * The queries waiting on that thread go on on another.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { StoreUnavailableError } from '../store.js'
import { READS_HELD, READS_IN_FLIGHT, sharedWalState } from './sqlite-checkpointer.js'
import { registerInventoryFunctions, SqliteInventoryQueries } from './sqlite-inventory-query.js'

const ROLE = 'ssm-inventory-sqlite-query-thread'

/** The queries a thread runs: methods of SqliteInventoryQueries. */
export type QueryCall = 'inventoryPage' | 'aggregate' | 'countGroup' | 'countVersions'

/** How a query is named in the error of one stopped past its time limit. */
const QUERY_NAMES: Record<QueryCall, string> = {
  inventoryPage: 'GetInventory query',
  aggregate: 'GetInventory query',
  countGroup: 'GetInventory query',
  countVersions: 'DeleteInventory count',
}

interface QueryThreadData {
  role: typeof ROLE
  path: string
}

interface QueryRequest {
  id: number
  call: QueryCall
  args: unknown[]
}

type QueryReply =
  | { id: number; result: unknown }
  | { id: number; error: { message: string; stack?: string; sqliteCode?: string } }
  /** The thread has opened its connection: the time limit of its first query counts from here, not its start-up. */
  | { ready: true }

interface Pending {
  request: QueryRequest
  /** Not to wait behind another query (runPromptly). */
  prompt: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

interface QueryThread {
  worker: Worker
  /** In the order sent: the thread runs them one after the other, the first now. */
  pending: Map<number, Pending>
  ready: boolean
  /** Stops the query running now once it has run past the time limit. */
  timer?: NodeJS.Timeout
}

/** How long one query may run by default before it is stopped with its thread. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000

/** How much longer than the hold it asked for queries stay held if the checkpointer never says they may go (it failed, say). */
const HELD_MARGIN_MS = 1000

export class SqliteQueryThreads {
  private readonly threads: QueryThread[] = []
  private nextId = 1
  private closed = false
  /** Queries waiting while the checkpointer holds new reports (READS_HELD). */
  private held: (() => void)[] = []
  private heldTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly path: string,
    private readonly size: number,
    private readonly state: Int32Array = sharedWalState(),
    /** How long one query may run before it is stopped with its thread. */
    private readonly queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
  ) {
    if (size < 1) throw new Error('SqliteQueryThreads needs at least one thread')
  }

  /** Starts a first thread now, so that the first report or deletion does not wait for one to start (~90 ms here). */
  warmUp(): void {
    if (this.threads.length === 0 && !this.closed) this.start()
  }

  /** Runs a query on the least busy thread; SQLite's errors come back as SqliteError, with their codes. */
  run<C extends QueryCall>(call: C, ...args: Parameters<SqliteInventoryQueries[C]>): Promise<ReturnType<SqliteInventoryQueries[C]>> {
    return this.submit(false, call, args)
  }

  /**
   * Runs a query without waiting behind another: on an idle thread, else on one started for it
   * beyond the pool's size, which stops once idle. For a call that a report of seconds must
   * not hold up (DeleteInventory's count).
   */
  runPromptly<C extends QueryCall>(call: C, ...args: Parameters<SqliteInventoryQueries[C]>): Promise<ReturnType<SqliteInventoryQueries[C]>> {
    return this.submit(true, call, args)
  }

  private submit<C extends QueryCall>(prompt: boolean, call: C, args: Parameters<SqliteInventoryQueries[C]>): Promise<ReturnType<SqliteInventoryQueries[C]>> {
    if (this.closed) return Promise.reject(new Error('the store is closed'))
    // Counted first, then the hold looked at (the checkpointer holds first, then counts). A
    // prompt query (DeleteInventory's count, short) is not held: the hold may last as long as
    // the longest report (sqlite-checkpointer.ts), and the call answers at once.
    Atomics.add(this.state, READS_IN_FLIGHT, 1)
    const heldForMs = Atomics.load(this.state, READS_HELD)
    if (heldForMs > 0 && !prompt) {
      Atomics.sub(this.state, READS_IN_FLIGHT, 1)
      return new Promise((resolve) => {
        this.held.push(() => resolve(this.submit(prompt, call, args)))
        this.heldTimer ??= setTimeout(() => {
          Atomics.store(this.state, READS_HELD, 0)
          this.releaseHeld()
        }, heldForMs + HELD_MARGIN_MS)
      })
    }
    const done = () => Atomics.sub(this.state, READS_IN_FLIGHT, 1)
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        request: { id: this.nextId++, call, args },
        prompt,
        resolve: (value) => (done(), resolve(value as ReturnType<SqliteInventoryQueries[C]>)),
        reject: (error) => (done(), reject(error)),
      }
      this.dispatch(pending)
    })
  }

  /** Sends a query to the least busy thread. */
  private dispatch(pending: Pending): void {
    let thread: QueryThread
    try {
      thread = this.threadFor(pending.prompt)
    } catch (error) {
      pending.reject(error)
      return
    }
    thread.pending.set(pending.request.id, pending)
    thread.worker.postMessage(pending.request)
    if (thread.pending.size === 1) this.timeRunningQuery(thread)
  }

  /** Starts the time limit of the query the thread runs now, if any (each query's counts from when the one before it ended). */
  private timeRunningQuery(thread: QueryThread): void {
    clearTimeout(thread.timer)
    thread.timer = undefined
    const running: Pending | undefined = thread.pending.values().next().value
    if (thread.ready && running) thread.timer = setTimeout(() => this.stopRunaway(thread, running), this.queryTimeoutMs)
  }

  /**
   * A query past its time limit: its thread is stopped (the only way to stop the query), the
   * call fails, and the queries that were waiting behind it go to another thread.
   */
  private stopRunaway(thread: QueryThread, runaway: Pending): void {
    if (thread.pending.get(runaway.request.id) !== runaway) return
    clearTimeout(thread.timer)
    const index = this.threads.indexOf(thread)
    if (index >= 0) this.threads.splice(index, 1)
    const waiting = [...thread.pending.values()].filter((p) => p !== runaway)
    thread.pending.clear()
    void thread.worker.terminate()
    runaway.reject(new StoreUnavailableError(`a ${QUERY_NAMES[runaway.request.call]} ran past ${this.queryTimeoutMs} ms and was stopped`, true))
    if (!this.closed) for (const pending of waiting) this.dispatch(pending)
    else for (const pending of waiting) pending.reject(new Error('the store is closed'))
  }

  /** The checkpointer no longer holds new reports: the held ones go. */
  releaseHeld(): void {
    clearTimeout(this.heldTimer)
    this.heldTimer = undefined
    const held = this.held
    this.held = []
    for (const go of held) go()
  }

  /** The least busy thread; a new one if none is idle and the pool has room (or the query is prompt). */
  private threadFor(prompt: boolean): QueryThread {
    let best: QueryThread | undefined
    for (const thread of this.threads) if (!best || thread.pending.size < best.pending.size) best = thread
    if (best && (best.pending.size === 0 || (!prompt && this.threads.length >= this.size))) return best
    return this.start()
  }

  /** A thread started beyond the pool's size (for a prompt query) stops once it is idle. */
  private retireIfSurplus(thread: QueryThread): void {
    if (thread.pending.size > 0 || this.threads.length <= this.size) return
    const index = this.threads.indexOf(thread)
    if (index < 0) return
    this.threads.splice(index, 1)
    clearTimeout(thread.timer)
    void thread.worker.terminate()
  }

  private start(): QueryThread {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, path: this.path } satisfies QueryThreadData })
    // Idle threads must not keep the process alive; a pending query holds its caller's promise, not the thread.
    worker.unref()
    const thread: QueryThread = { worker, pending: new Map(), ready: false }
    this.threads.push(thread)
    let failure: Error | undefined
    worker.on('message', (reply: QueryReply) => {
      if ('ready' in reply) {
        thread.ready = true
        this.timeRunningQuery(thread)
        return
      }
      const pending = thread.pending.get(reply.id)
      if (!pending) return
      thread.pending.delete(reply.id)
      this.timeRunningQuery(thread)
      this.retireIfSurplus(thread)
      if ('result' in reply) pending.resolve(reply.result)
      else pending.reject(errorOf(reply.error))
    })
    worker.on('error', (error: Error) => (failure = error))
    worker.once('exit', (code) => {
      clearTimeout(thread.timer)
      const index = this.threads.indexOf(thread)
      if (index >= 0) this.threads.splice(index, 1)
      const error = new Error(`a SQLite query thread stopped (exit code ${code})${failure ? `: ${failure.message}` : ''}`, { cause: failure })
      for (const pending of thread.pending.values()) pending.reject(error)
      thread.pending.clear()
    })
    return thread
  }

  /** Stops the threads; queries still running fail. */
  async close(): Promise<void> {
    this.closed = true
    this.releaseHeld() // they fail: the store is closed
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()))
  }
}

function errorOf(reported: { message: string; stack?: string; sqliteCode?: string }): Error {
  const error = reported.sqliteCode === undefined ? new Error(reported.message) : new Database.SqliteError(reported.message, reported.sqliteCode)
  if (reported.stack) error.stack = reported.stack
  return error
}

function runQueryThread(data: QueryThreadData): void {
  const db = new Database(data.path, { fileMustExist: true })
  // This thread may block while it waits (a WAL reader rarely does): nothing else runs on it.
  db.pragma('busy_timeout = 5000')
  db.pragma('query_only = ON')
  registerInventoryFunctions(db)
  const queries = new SqliteInventoryQueries(db)
  parentPort!.postMessage({ ready: true } satisfies QueryReply)
  parentPort!.on('message', ({ id, call, args }: QueryRequest) => {
    let reply: QueryReply
    try {
      reply = { id, result: (queries[call] as (...a: unknown[]) => unknown).apply(queries, args) }
    } catch (error) {
      const { message, stack } = error as Error
      reply = { id, error: { message: String(message), stack, sqliteCode: error instanceof Database.SqliteError ? error.code : undefined } }
    }
    parentPort!.postMessage(reply)
  })
}

if (!isMainThread && (workerData as QueryThreadData | undefined)?.role === ROLE) runQueryThread(workerData as QueryThreadData)
