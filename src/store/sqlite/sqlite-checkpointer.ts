/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
 * COMMIT crosses the threshold, copying pages into the database file and syncing it: tens
 * of milliseconds during which the main thread, whose connection writes, answers nothing (measured
 * during large deletions). The store turns that off and this worker thread, with its own
 * connection, runs PASSIVE checkpoints on a timer instead: a PASSIVE checkpoint never
 * blocks the main connection's readers or writers.
 *
 * Copying frames is not enough to keep the WAL small: the file starts over only when a
 * writer begins after a checkpoint copied every frame and no reader still reads from it.
 * Under sustained writes the main thread always appends frames while the checkpoint copies,
 * so the WAL grew without end (1.8 GB after 15 s of puts at full speed). Once the WAL is
 * larger than `walLimitBytes`, this thread runs a RESTART checkpoint: it holds off writers
 * while it copies what is left, after which the next write starts the file over and
 * truncates it to the limit. It says so in `state` (WAL_RESTARTING): the store's writes wait
 * for it to end without asking SQLite, whose busy handler would sleep on the event loop.
 *
 * A RESTART also waits for readers on older snapshots, and it holds the writers off while it
 * waits: the store's query threads (sqlite-query-threads.ts), whose reports last up to
 * seconds, count theirs in `state`. While reports are running the checkpoint does not
 * start; it asks for new reports to be held (READS_HELD) until those running have ended, for
 * at most MAX_HOLD_MS, and then restarts the WAL with nobody to wait for. A report still
 * running then is let be: the reports go on and the WAL grows for HOLD_BACKOFF_MS, after
 * which the next hold may last twice as long, and so on up to the query threads' time limit,
 * past which no report runs; each time the WAL starts over, half as long again. Reports
 * longer than the first hold, run back to back, would otherwise keep the WAL from ever
 * starting over (every hold finding one still running).
 *
 * A thread that ends on its own is replaced (RESPAWN_AFTER_MS): without one the WAL grows.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { WriteAheadLogStats } from '../store.js'

const ROLE = 'ssm-inventory-sqlite-checkpointer'

/**
 * Slots of the state the checkpointer shares with the store (Int32 on shared memory): reports
 * in flight on the query threads, whether new ones are held (0, or for how many milliseconds
 * at most), and whether a RESTART checkpoint holds the write lock (the store's writes then
 * wait for it without blocking the event loop).
 * Then what the RESTARTs came to so far, for metrics: the WAL started over, a RESTART that
 * found a writer or a reader still there after RESTART_WAIT_MS, and a hold given up because
 * a report outlasted it (the WAL then grows for HOLD_BACKOFF_MS).
 */
export const READS_IN_FLIGHT = 0
export const READS_HELD = 1
export const WAL_RESTARTING = 2
export const WAL_RESTARTS = 3
export const WAL_RESTARTS_BUSY = 4
export const WAL_HOLDS_GIVEN_UP = 5

export function sharedWalState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(6 * Int32Array.BYTES_PER_ELEMENT))
}

/** What the checkpointer's RESTARTs came to since the store opened (see the slots above). */
export function walRestartCounts(state: Int32Array): Omit<WriteAheadLogStats, 'bytes'> {
  return { restarted: Atomics.load(state, WAL_RESTARTS), busy: Atomics.load(state, WAL_RESTARTS_BUSY), holdsGivenUp: Atomics.load(state, WAL_HOLDS_GIVEN_UP) }
}

interface CheckpointerData {
  role: typeof ROLE
  path: string
  intervalMs: number
  walLimitBytes: number
  maxHoldMs: number
  holdCapMs: number
  holdBackoffMs: number
  state: Int32Array
}

export interface CheckpointerOptions {
  intervalMs: number
  /** A WAL larger than this is started over (see above). */
  walLimitBytes: number
  /** How long new reports may be held (default MAX_HOLD_MS), at first. */
  maxHoldMs?: number
  /** How long at most, after holds given up: longer than any report may run. */
  holdCapMs: number
  /** After a hold given up, how long before the next (default HOLD_BACKOFF_MS). */
  holdBackoffMs?: number
  /** Shared with the store and its query threads (sharedWalState). */
  state: Int32Array
  /** Called when new reports may run again after being held. */
  onReadsReleased?: () => void
  /** Called when the thread ended on its own, with how long before another starts. */
  onThreadEnded?: (error: Error, restartInMs: number) => void
}

export interface Checkpointer {
  stop(): Promise<void>
  /** The thread checkpointing now: another replaces one that ended unexpectedly. */
  readonly thread: Worker
}

/**
 * How long after its thread ended unexpectedly the checkpointer starts another: twice as long
 * each time one ends within a minute of its start (a thread failing at once would otherwise
 * start every second), up to a minute.
 */
const RESPAWN_AFTER_MS = 1000
const RESPAWN_AFTER_MAX_MS = 60_000

/** Held for that many milliseconds is said in an Int32 slot (0: not held) and a timer's delay. */
const holdMs = (ms: number) => Math.min(Math.max(ms, 1), 2 ** 30)

export function startCheckpointer(path: string, options: CheckpointerOptions): Checkpointer {
  const maxHoldMs = holdMs(options.maxHoldMs ?? MAX_HOLD_MS)
  const data: CheckpointerData = {
    role: ROLE,
    path,
    intervalMs: options.intervalMs,
    walLimitBytes: options.walLimitBytes,
    maxHoldMs,
    holdCapMs: holdMs(Math.max(options.holdCapMs, maxHoldMs)),
    holdBackoffMs: options.holdBackoffMs ?? HOLD_BACKOFF_MS,
    state: options.state,
  }
  const { state } = options
  let stopping: Promise<void> | undefined
  let worker!: Worker
  let exited!: Promise<void>
  let respawnAfterMs = RESPAWN_AFTER_MS
  const start = () => {
    const startedAt = performance.now()
    worker = new Worker(new URL(import.meta.url), { workerData: data })
    worker.unref()
    let failure: Error | undefined
    // A failing checkpointer must not crash the server: its error is passed on when the thread ends.
    worker.on('error', (error: Error) => (failure = error))
    worker.on('message', (message) => {
      if (message === 'reads-released') options.onReadsReleased?.()
    })
    exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        resolve()
        if (stopping) return
        // Ended on its own (an error it did not catch, its connection failing to open): what it
        // held goes, and another thread starts shortly, or the WAL would grow until a restart.
        Atomics.store(state, WAL_RESTARTING, 0)
        Atomics.notify(state, WAL_RESTARTING)
        if (Atomics.exchange(state, READS_HELD, 0) !== 0) options.onReadsReleased?.()
        respawnAfterMs = performance.now() - startedAt < RESPAWN_AFTER_MAX_MS ? respawnAfterMs : RESPAWN_AFTER_MS
        options.onThreadEnded?.(failure ?? new Error(`the thread exited with code ${code}`), respawnAfterMs)
        setTimeout(() => stopping ?? start(), respawnAfterMs).unref()
        respawnAfterMs = Math.min(respawnAfterMs * 2, RESPAWN_AFTER_MAX_MS)
      })
    })
  }
  start()
  return {
    get thread() {
      return worker
    },
    stop: () => {
      if (!stopping) {
        // Held while stopping: an unreferenced worker's exit would not keep the process waiting.
        worker.ref()
        worker.postMessage('stop')
        stopping = exited
      }
      return stopping
    },
  }
}

/** How long a RESTART checkpoint waits for the main thread's transaction to end, and for readers. */
const RESTART_WAIT_MS = 100
/** How long new reports may be held so that the WAL can start over (the first time; see above). */
const MAX_HOLD_MS = 2000
/** After a hold that did not see the reports end, how long before the next hold (twice as long). */
const HOLD_BACKOFF_MS = 10_000
/** While reports are held: how often to look whether those running have ended. */
const HOLD_POLL_MS = 10

interface CheckpointResult {
  busy: number
  /** Frames in the WAL. */
  log: number
  /** Frames of it copied into the database file. */
  checkpointed: number
}

function runCheckpointer(data: CheckpointerData): void {
  const db = new Database(data.path)
  db.pragma('busy_timeout = 0')
  const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24
  const { state } = data
  let holdingSince: number | undefined
  let noHoldBefore = 0
  /** How long the current or next hold may last: doubled after each hold given up, halved (down to the first) each time the WAL starts over. */
  let holdLimitMs = data.maxHoldMs

  const releaseReads = () => {
    if (holdingSince === undefined) return
    holdingSince = undefined
    Atomics.store(state, READS_HELD, 0)
    parentPort!.postMessage('reads-released')
  }

  /** Starts the WAL over if nothing reads from it, or holds new reports until then; returns when to look again. */
  const restartWal = (): number => {
    const now = performance.now()
    if (holdingSince === undefined) {
      if (now < noHoldBefore && Atomics.load(state, READS_IN_FLIGHT) > 0) return data.intervalMs
      holdingSince = now
      Atomics.store(state, READS_HELD, Math.ceil(holdLimitMs))
    }
    // Held first, counted after (and the query threads count first, look after): either they
    // see the hold, or this sees their report.
    if (Atomics.load(state, READS_IN_FLIGHT) > 0) {
      if (now - holdingSince > holdLimitMs) {
        // A report longer than that: let the reports go on, and the WAL grow meanwhile; the next hold waits longer.
        releaseReads()
        noHoldBefore = now + data.holdBackoffMs
        holdLimitMs = Math.min(holdLimitMs * 2, data.holdCapMs)
        Atomics.add(state, WAL_HOLDS_GIVEN_UP, 1)
        return data.intervalMs
      }
      return HOLD_POLL_MS
    }
    // Most of the WAL was copied by the PASSIVE checkpoint just before, while writes went on;
    // one more copies what they added meanwhile, so that the RESTART, during which they wait,
    // has little left to copy.
    db.pragma('wal_checkpoint(PASSIVE)')
    db.pragma(`busy_timeout = ${RESTART_WAIT_MS}`)
    Atomics.store(state, WAL_RESTARTING, 1)
    try {
      const [result] = db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[]
      Atomics.add(state, result.busy ? WAL_RESTARTS_BUSY : WAL_RESTARTS, 1)
      if (!result.busy) holdLimitMs = Math.max(data.maxHoldMs, holdLimitMs / 2)
    } finally {
      Atomics.store(state, WAL_RESTARTING, 0)
      Atomics.notify(state, WAL_RESTARTING)
      db.pragma('busy_timeout = 0')
      releaseReads()
    }
    return data.intervalMs
  }

  let timer: NodeJS.Timeout | undefined
  const checkpoint = () => {
    let next = data.intervalMs
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[]
      if (result.log * frameBytes > data.walLimitBytes) next = restartWal()
      else releaseReads()
    } catch {
      // Busy (another checkpoint) or the file is going away: try again next time.
      releaseReads()
    }
    timer = setTimeout(checkpoint, next)
  }
  timer = setTimeout(checkpoint, data.intervalMs)
  parentPort!.on('message', (message) => {
    if (message !== 'stop') return
    clearTimeout(timer)
    releaseReads()
    db.close()
    parentPort!.close()
  })
}

if (!isMainThread && (workerData as CheckpointerData | undefined)?.role === ROLE) runCheckpointer(workerData as CheckpointerData)
