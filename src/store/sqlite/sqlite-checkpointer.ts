/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
 * COMMIT crosses the threshold, copying pages into the database file and syncing it: tens
 * of milliseconds during which this single-connection server answers nothing (measured
 * during large deletions). The store turns that off and this worker thread, with its own
 * connection, runs PASSIVE checkpoints on a timer instead: a PASSIVE checkpoint never
 * blocks the main connection's readers or writers.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const ROLE = 'ssm-inventory-sqlite-checkpointer'

interface CheckpointerData {
  role: typeof ROLE
  path: string
  intervalMs: number
}

export interface Checkpointer {
  stop(): Promise<void>
}

export function startCheckpointer(path: string, intervalMs: number): Checkpointer {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, path, intervalMs } satisfies CheckpointerData })
  worker.unref()
  // A failing checkpointer costs only WAL growth until the next start; it must not crash the server.
  worker.on('error', () => {})
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  let stopping: Promise<void> | undefined
  return {
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

function runCheckpointer(data: CheckpointerData): void {
  const db = new Database(data.path)
  db.pragma('busy_timeout = 0')
  const checkpoint = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)')
    } catch {
      // Busy (another checkpoint) or the file is going away: try again next time.
    }
  }
  const timer = setInterval(checkpoint, data.intervalMs)
  parentPort!.on('message', (message) => {
    if (message !== 'stop') return
    clearInterval(timer)
    db.close()
    parentPort!.close()
  })
}

if (!isMainThread && (workerData as CheckpointerData | undefined)?.role === ROLE) runCheckpointer(workerData as CheckpointerData)
