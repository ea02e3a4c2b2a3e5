/**
 * The background loop that carries out deletions.
 *
 * A job is claimed with a lease (owner + expiry) so that several nodes on one database
 * never work the same job at once, and so that a job whose node died is taken over once
 * its lease expires. Each batch deletes a bounded number of items in one transaction
 * together with the job's counts and a renewed lease: a crash between batches loses
 * nothing and counts nothing twice. Between batches the loop yields to the event loop,
 * so API requests are served while a large deletion runs.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../inventory/deps.js'
import type { Logger } from '../log.js'
import type { Store } from '../store/store.js'

export interface DeletionWorkerOptions {
  /** Items deleted per transaction: every batch's size, or the first one's when `adaptive`. */
  batchSize: number
  /** Sizes each batch from how long the previous one took; none: every batch is `batchSize`. */
  adaptive?: AdaptiveBatchPolicy
  /** How long a claimed job stays ours without a heartbeat (each batch renews it). */
  leaseMs: number
  /** How often an idle worker looks for work nobody announced (e.g. a dead node's job). */
  pollMs: number
  /** Complete deletions are forgotten this long after they finished. */
  retentionMs: number
  /** Pause between batches; 0 yields to pending I/O only. */
  pauseMs: number
}

/**
 * A batch holds its rows' locks until it commits, so its duration is what a put replacing one
 * of those items may wait; fewer, larger batches cost fewer transactions. The adaptive policy
 * aims each batch at `targetMs`, whatever the size of the documents.
 */
export interface AdaptiveBatchPolicy {
  targetMs: number
  minSize: number
  maxSize: number
}

/**
 * The next batch's size after a batch of `size` items deleted `deleted` of them in
 * `elapsedMs`: scaled towards the target, by at most a factor of two either way. A batch
 * that found fewer items than it asked for says nothing about larger ones: no growth then.
 */
export function nextBatchSize(size: number, deleted: number, elapsedMs: number, policy: AdaptiveBatchPolicy): number {
  const wanted = size * (policy.targetMs / Math.max(elapsedMs, 0.001))
  let next = Math.min(Math.max(wanted, size / 2), size * 2)
  if (deleted < size) next = Math.min(next, size)
  return Math.round(Math.min(Math.max(next, policy.minSize), policy.maxSize))
}

export interface DeletionProgress {
  deletionId: string
  /** Items the batch asked for, and how long its transaction took. */
  batchSize: number
  seconds: number
  itemsDeleted: number
  entriesDeleted: number
  complete: boolean
}

export class DeletionWorker {
  readonly owner = `node-${randomUUID()}`
  private stopping = false
  private running: Promise<void> | undefined
  private wake: (() => void) | undefined
  private lastPurge = 0

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: DeletionWorkerOptions,
    private readonly log: Logger,
    private readonly onProgress: (progress: DeletionProgress) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return
    this.stopping = false
    this.running = this.keepLooping()
  }

  /** The loop, started again after a poll interval if a fault of the program ends it. */
  private async keepLooping(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.loop()
      } catch (error) {
        this.log.error('deletion worker failed on an unexpected error; it starts again after a poll interval', { error: String((error as Error)?.stack ?? error) })
        await this.idle()
      }
    }
  }

  /** A deletion was started: look for work now rather than at the next poll. */
  notify(): void {
    this.wake?.()
  }

  /** Finishes the batch in hand, gives up the lease, and returns. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake?.()
    await this.running
    this.running = undefined
  }

  private now(): number {
    return this.clock.now().getTime()
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.purgeExpired()
      let deletionId: string | undefined
      try {
        deletionId = await this.store.claimDeletion(this.owner, this.now(), this.options.leaseMs)
      } catch (error) {
        this.log.warn('could not claim a deletion; retrying', { error: String(error) })
      }
      if (!deletionId) {
        await this.idle()
        continue
      }
      try {
        await this.work(deletionId)
      } catch (error) {
        // The batch's transaction rolled back; the lease expires and the job is retried.
        this.log.error('deletion batch failed; will retry', { deletionId, error: String(error) })
        await pause(this.options.pollMs)
      }
    }
  }

  private async work(deletionId: string): Promise<void> {
    this.log.info('working deletion', { deletionId, owner: this.owner })
    const { adaptive } = this.options
    let size = this.options.batchSize
    while (!this.stopping) {
      const started = performance.now()
      const result = await this.store.runDeletionBatch(deletionId, this.owner, size, this.now(), this.options.leaseMs)
      if (!result.leaseHeld) {
        this.log.warn('lost the lease of a deletion; another node has it', { deletionId })
        // Its holder works it now: look again only after a poll interval, never in a tight loop.
        await this.idle()
        return
      }
      const elapsedMs = performance.now() - started
      this.onProgress({ deletionId, batchSize: size, seconds: elapsedMs / 1000, ...result })
      if (adaptive) size = nextBatchSize(size, result.itemsDeleted, elapsedMs, adaptive)
      if (result.complete) {
        this.log.info('deletion complete', { deletionId })
        return
      }
      await pause(this.options.pauseMs)
    }
    await this.store.releaseDeletion(deletionId, this.owner)
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = () => {
        this.wake = undefined
        done()
      }
    })
  }

  /**
   * Forgets Complete deletions past their retention, at most once a minute. A failure (the
   * database unavailable, its lock held elsewhere) is tried again at the next turn of the
   * loop: it must not stop the worker, which before it did, for the life of the process.
   */
  private async purgeExpired(): Promise<void> {
    const now = this.now()
    if (now - this.lastPurge < Math.min(60_000, this.options.retentionMs / 2)) return
    const previous = this.lastPurge
    this.lastPurge = now
    try {
      const purged = await this.store.purgeDeletions(now - this.options.retentionMs)
      if (purged > 0) this.log.info('forgot deletions past their retention', { purged })
    } catch (error) {
      this.lastPurge = previous
      this.log.warn('could not forget deletions past their retention; will retry', { error: String(error) })
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)))
}
