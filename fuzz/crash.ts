/**
 * Crash harness: SIGKILL the server at random moments of PutInventory bursts and of large
 * deletions, restart it on the same data, and check what survived:
 * - every acknowledged put is there (or the put that followed it on the same instance,
 *   which may have committed without being acknowledged);
 * - no half put: the two items of every put carry the same marker;
 * - every deletion resumes and ends Complete with its counts exact.
 */
import { Agent } from 'node:http'
import { rng } from './cases.js'
import { callOperation } from './raw-call.js'
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js'

export interface CrashOptions {
  dataDir: string
  rounds: number
  seed: number
  log?: (line: string) => void
}

export interface CrashReport {
  killPoints: number
  acknowledgedPuts: number
  instancesChecked: number
  deletionsKilled: number
  /** Deletions the restart found InProgress: the kill landed mid-deletion. */
  deletionsResumed: number
  findings: string[]
}

const CAPTURE = '2026-01-01T00:00:00Z'
/** Small, paced deletion batches, so that a kill lands in the middle of a deletion. */
const SERVER_ARGS = ['--deletion-poll-ms', '50', '--deletion-lease-ms', '500', '--deletion-batch-size', '25', '--deletion-pause-ms', '2']
const INSTANCES = 24
const instanceId = (n: number) => `i-${n.toString(16).padStart(17, '0')}`

function callFor(url: string, agent: Agent) {
  return (operation: string, input: object) => callOperation(url, agent, operation, input)
}

const markedPut = (n: number, marker: number) => ({
  InstanceId: instanceId(n),
  Items: ['Custom:CrashA', 'Custom:CrashB'].map((TypeName) => ({
    TypeName, SchemaVersion: '1.0', CaptureTime: CAPTURE,
    Content: Array.from({ length: 50 }, (_, i) => ({ Marker: String(marker), Row: String(i) })),
  })),
})

export async function runCrashHarness(options: CrashOptions): Promise<CrashReport> {
  const report: CrashReport = { killPoints: 0, acknowledgedPuts: 0, instancesChecked: 0, deletionsKilled: 0, deletionsResumed: 0, findings: [] }
  const log = options.log ?? (() => {})
  const random = rng(options.seed)
  /** Per instance: the last marker acknowledged, and whether a later put was in flight at the kill. */
  const acked = new Map<number, { marker: number; inFlight: boolean }>()
  let nextMarker = 1
  let pendingDeletion: { id: string; total: number } | undefined

  for (let round = 1; round <= options.rounds; round++) {
    const server: ServerProcess = await startServerProcess({ dataDir: options.dataDir, args: SERVER_ARGS })
    const agent = new Agent({ keepAlive: true })
    const call = callFor(server.url, agent)
    try {
      // First thing after the restart, before the worker can finish it: was the deletion cut off?
      if (pendingDeletion) await noteResumed(call, pendingDeletion, report)
      await verify(call, acked, report, round)
      if (pendingDeletion) {
        await finishDeletion(call, pendingDeletion, report, round)
        pendingDeletion = undefined
      }
      const deleting = round % 5 === 0
      if (deleting) {
        // A type large enough that the kill lands mid-deletion.
        const content = Array.from({ length: 20 }, (_, i) => ({ Row: String(i) }))
        // Two schema versions (raised every deletion round, as versions only go up).
        for (let start = 1; start <= 3000; start += 100) {
          const answers = await Promise.all(Array.from({ length: 100 }, (_, k) => call('PutInventory', {
            InstanceId: instanceId(1000 + start + k), Items: [{ TypeName: 'Custom:CrashBulk', SchemaVersion: `${round}.${start > 1500 ? 1 : 0}`, CaptureTime: CAPTURE, Content: content }],
          })))
          const refused = answers.find((a) => a.status !== 200)
          if (refused) report.findings.push(`round ${round}: loading the bulk type: ${refused.status} ${refused.json?.__type}`)
        }
        const started = await call('DeleteInventory', { TypeName: 'Custom:CrashBulk' })
        pendingDeletion = { id: started.json.DeletionId, total: started.json.DeletionSummary.TotalCount }
        report.deletionsKilled++
      }
      // Four writers, each owning its instances, put in sequence until the kill.
      let killed = false
      const writers = Array.from({ length: 4 }, async (_, w) => {
        while (!killed) {
          const n = 1 + w + 4 * Math.floor(random() * (INSTANCES / 4))
          const marker = nextMarker++
          const state = acked.get(n) ?? { marker: 0, inFlight: false }
          acked.set(n, { marker: state.marker, inFlight: true })
          try {
            const answer = await call('PutInventory', markedPut(n, marker))
            if (answer.status === 200) {
              acked.set(n, { marker, inFlight: false })
              report.acknowledgedPuts++
            } else {
              report.findings.push(`round ${round}: a put answered ${answer.status} ${answer.json?.__type}`)
            }
          } catch {
            // The server died under this put: it may or may not have committed.
            acked.set(n, { marker: state.marker, inFlight: true })
            inFlightMarkers.set(n, marker)
            return
          }
        }
      })
      await new Promise((r) => setTimeout(r, (deleting ? 5 : 20) + Math.floor(random() * 150)))
      killed = true
      await server.kill()
      report.killPoints++
      await Promise.all(writers)
      log(`  round ${round}: killed${deleting ? ' during a deletion' : ''}; ${report.acknowledgedPuts} puts acknowledged so far`)
    } finally {
      agent.destroy()
      if (server.child.exitCode === null) await server.kill()
    }
  }
  // A last start checks the last kill.
  const server = await startServerProcess({ dataDir: options.dataDir, args: SERVER_ARGS })
  const agent = new Agent({ keepAlive: true })
  try {
    const call = callFor(server.url, agent)
    if (pendingDeletion) await noteResumed(call, pendingDeletion, report)
    await verify(call, acked, report, options.rounds + 1)
    if (pendingDeletion) await finishDeletion(call, pendingDeletion, report, options.rounds + 1)
  } finally {
    agent.destroy()
    await server.stop()
  }
  return report
}

/** The marker of the put that was in flight when its writer saw the server die. */
const inFlightMarkers = new Map<number, number>()

async function verify(call: ReturnType<typeof callFor>, acked: Map<number, { marker: number; inFlight: boolean }>, report: CrashReport, round: number): Promise<void> {
  for (const [n, state] of acked) {
    const markers: (number | undefined)[] = []
    for (const typeName of ['Custom:CrashA', 'Custom:CrashB']) {
      const answer = await call('ListInventoryEntries', { InstanceId: instanceId(n), TypeName: typeName, MaxResults: 50 })
      const entries = answer.json?.Entries ?? []
      const distinct = new Set(entries.map((e: any) => e.Marker))
      if (entries.length !== 0 && (entries.length !== 50 || distinct.size !== 1)) report.findings.push(`round ${round}: ${instanceId(n)} ${typeName} holds a torn item (${entries.length} entries, markers ${[...distinct].join(',')})`)
      markers.push(entries.length === 0 ? undefined : Number(entries[0].Marker))
    }
    report.instancesChecked++
    if (markers[0] !== markers[1]) report.findings.push(`round ${round}: half a put on ${instanceId(n)}: CrashA has marker ${markers[0]}, CrashB ${markers[1]}`)
    const stored = markers[0] ?? 0
    const allowed = [state.marker, ...(state.inFlight ? [inFlightMarkers.get(n) ?? -1] : [])]
    if (!allowed.includes(stored)) report.findings.push(`round ${round}: ${instanceId(n)} holds marker ${stored}; acknowledged ${state.marker}${state.inFlight ? `, in flight ${inFlightMarkers.get(n)}` : ''}`)
    // Whatever was stored is now the acknowledged state.
    acked.set(n, { marker: stored, inFlight: false })
    inFlightMarkers.delete(n)
  }
}

/** Counts the deletion as resumed if the restarted server still has it InProgress. */
async function noteResumed(call: ReturnType<typeof callFor>, deletion: { id: string }, report: CrashReport): Promise<void> {
  const described = await call('DescribeInventoryDeletions', { DeletionId: deletion.id })
  if (described.json?.InventoryDeletions?.[0]?.LastStatus === 'InProgress') report.deletionsResumed++
}

async function finishDeletion(call: ReturnType<typeof callFor>, deletion: { id: string; total: number }, report: CrashReport, round: number): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const described = await call('DescribeInventoryDeletions', { DeletionId: deletion.id })
    const status = described.json?.InventoryDeletions?.[0]
    if (status?.LastStatus === 'Complete') {
      const summary = status.DeletionSummary
      const counted = summary.SummaryItems.reduce((sum: number, v: any) => sum + v.Count, 0)
      const remaining = summary.SummaryItems.reduce((sum: number, v: any) => sum + v.RemainingCount, 0)
      if (summary.TotalCount !== deletion.total || counted !== deletion.total || summary.RemainingCount !== 0 || remaining !== 0) {
        report.findings.push(`round ${round}: deletion ${deletion.id} Complete with TotalCount ${summary.TotalCount}/${deletion.total}, counted ${counted}, remaining ${summary.RemainingCount}/${remaining}`)
      }
      const left = await call('GetInventory', { Filters: [{ Key: 'Custom:CrashBulk.Row', Values: ['0'] }], MaxResults: 5 })
      if ((left.json?.Entities ?? []).length !== 0) report.findings.push(`round ${round}: deleted data still readable after Complete`)
      return
    }
    if (Date.now() > deadline) {
      report.findings.push(`round ${round}: deletion ${deletion.id} not Complete 30 s after the restart`)
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
