/**
 * Prometheus metrics (prom-client), served at GET /metrics: API calls by operation, status
 * and error type with their latency, deletion progress and batches, the store's size, the
 * request bodies held and waiting (body-budget.ts), the GetInventory answers held
 * (answer-budget.ts) and, on PostgreSQL, the connection pool. Each server has its own
 * registry (tests run several in one process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DeletionProgress } from './deletions/deletion-worker.js'
import type { AnswerBudget } from './protocol/answer-budget.js'
import type { BodyBudget } from './protocol/body-budget.js'
import type { AnsweredCall } from './protocol/http-handler.js'
import type { Store } from './store/store.js'

export class Metrics {
  readonly registry = new Registry()
  private readonly calls: Counter<'operation' | 'status' | 'error_type'>
  private readonly latency: Histogram<'operation'>
  private readonly entriesDeleted: Counter
  private readonly itemsDeleted: Counter
  private readonly batchSeconds: Histogram
  private readonly batchSize: Gauge

  constructor(store: Store, bodyBudget: BodyBudget, answerBudget: AnswerBudget) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ssm_inventory_' })
    this.calls = new Counter({
      name: 'ssm_inventory_api_calls_total', help: 'API calls answered, by operation, HTTP status and error type (empty when it succeeded)',
      labelNames: ['operation', 'status', 'error_type'], registers: [this.registry],
    })
    this.latency = new Histogram({
      name: 'ssm_inventory_api_call_duration_seconds', help: 'Time from receiving an API call to writing its answer',
      labelNames: ['operation'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
    })
    this.itemsDeleted = new Counter({ name: 'ssm_inventory_deleted_items_total', help: 'Inventory items removed by deletion batches of this node', registers: [this.registry] })
    this.entriesDeleted = new Counter({ name: 'ssm_inventory_deleted_entries_total', help: 'Content entries removed by deletion batches of this node', registers: [this.registry] })
    this.batchSeconds = new Histogram({
      name: 'ssm_inventory_deletion_batch_duration_seconds', help: 'Time a deletion batch\'s transaction took (its rows stay locked meanwhile)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
    })
    this.batchSize = new Gauge({ name: 'ssm_inventory_deletion_batch_size', help: 'Items the latest deletion batch of this node asked for', registers: [this.registry] })
    new Gauge({
      name: 'ssm_inventory_deletions_in_progress', help: 'Deletions not yet Complete, in every account and region of the store', registers: [this.registry],
      async collect() {
        this.set(await store.countDeletionsInProgress())
      },
    })
    const pool = store.connectionPool?.bind(store)
    if (pool) {
      new Gauge({
        name: 'ssm_inventory_database_connections', help: 'PostgreSQL connections of this node, idle or in use by a call or a deletion batch',
        labelNames: ['state'], registers: [this.registry],
        collect() {
          const { open, idle } = pool()
          this.set({ state: 'idle' }, idle)
          this.set({ state: 'in_use' }, open - idle)
        },
      })
      new Gauge({
        name: 'ssm_inventory_database_waiting_calls', help: 'Calls of this node waiting for a free PostgreSQL connection', registers: [this.registry],
        collect() {
          this.set(pool().waiting)
        },
      })
      let countedBroken = 0
      new Counter({
        name: 'ssm_inventory_database_connections_broken_total', help: 'PostgreSQL connections of this node that broke (ended by the database or the network) and were replaced', registers: [this.registry],
        collect() {
          const { broken } = pool()
          this.inc(broken - countedBroken)
          countedBroken = broken
        },
      })
    }
    const wal = store.writeAheadLog?.bind(store)
    if (wal?.()) {
      new Gauge({
        name: 'ssm_inventory_sqlite_wal_bytes', help: 'Size of the SQLite write-ahead log file, started over by the checkpointer once past 64 MiB', registers: [this.registry],
        collect() {
          this.set(wal()?.bytes ?? 0)
        },
      })
      const counted = { restarted: 0, busy: 0, holdsGivenUp: 0 }
      new Counter({
        name: 'ssm_inventory_sqlite_wal_restarts_total',
        help: 'RESTART checkpoints of the SQLite WAL by outcome: restarted (it started over), busy (a write or read still ran after 100 ms), gave_up (a report outlasted the hold of new ones, 2 s at first and longer each time; the WAL grows for 10 s)',
        labelNames: ['outcome'], registers: [this.registry],
        collect() {
          const now = wal()
          if (!now) return
          this.inc({ outcome: 'restarted' }, now.restarted - counted.restarted)
          this.inc({ outcome: 'busy' }, now.busy - counted.busy)
          this.inc({ outcome: 'gave_up' }, now.holdsGivenUp - counted.holdsGivenUp)
          counted.restarted = now.restarted
          counted.busy = now.busy
          counted.holdsGivenUp = now.holdsGivenUp
        },
      })
    }
    new Gauge({
      name: 'ssm_inventory_request_body_bytes_held', help: 'Bytes of request bodies this node holds for calls being read or handled (bounded by --max-inflight-body-bytes)', registers: [this.registry],
      collect() {
        this.set(bodyBudget.heldBytes)
      },
    })
    new Gauge({
      name: 'ssm_inventory_calls_waiting_for_body_room', help: 'Calls of this node waiting, their bodies unread, for room under --max-inflight-body-bytes', registers: [this.registry],
      collect() {
        this.set(bodyBudget.waitingCalls)
      },
    })
    new Gauge({
      name: 'ssm_inventory_answer_chars_held', help: 'GetInventory pages this node holds, in content characters: budgets of pages being read and answers not yet sent (bounded by --max-inflight-answer-bytes)', registers: [this.registry],
      collect() {
        this.set(answerBudget.heldChars)
      },
    })
    new Gauge({
      name: 'ssm_inventory_store_bytes', help: 'Size of the stored data (SQLite file pages, or the PostgreSQL schema\'s relations)', registers: [this.registry],
      async collect() {
        this.set(await store.sizeBytes())
      },
    })
  }

  answered(call: AnsweredCall): void {
    this.calls.inc({ operation: call.operation, status: String(call.status), error_type: call.errorType ?? '' })
    this.latency.observe({ operation: call.operation }, call.seconds)
  }

  deletionProgress(progress: DeletionProgress): void {
    this.itemsDeleted.inc(progress.itemsDeleted)
    this.entriesDeleted.inc(progress.entriesDeleted)
    this.batchSeconds.observe(progress.seconds)
    this.batchSize.set(progress.batchSize)
  }
}
