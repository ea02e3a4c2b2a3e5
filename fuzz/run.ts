/**
 * `npm run fuzz -- [--count N] [--seed S] [--crash-rounds R] [--nodes K] [--consistency-seconds T]`:
 * starts a server on a fresh data directory, runs the fuzz harness against it, then the crash
 * harness (R kill points, default 20), then the consistency harness (K nodes on one store,
 * default 2, writing and deleting for T seconds, default 20, a node killed now and then), and
 * prints what was tried and found. Exits 1 on any finding.
 */
import { parseArgs } from 'node:util'
import { removeDir, startServerProcess, tempDataDir, type ServerProcess } from '../test/support/server-process.js'
import { CONSISTENCY_NODE_ARGS, runConsistency } from './consistency.js'
import { runCrashHarness } from './crash.js'
import { runFuzz } from './harness.js'

const USAGE = 'usage: npm run fuzz -- [--count N] [--seed S] [--crash-rounds R] [--nodes K] [--consistency-seconds T]'

/** The options, or the usage on stderr and exit 2 for --help, an unknown option or a value that is not a whole number. */
function options(): { count: number; seed: number; crashRounds: number; nodes: number; consistencySeconds: number } {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ options: { help: { type: 'boolean' }, count: { type: 'string', default: '5000' }, seed: { type: 'string' }, 'crash-rounds': { type: 'string', default: '20' }, nodes: { type: 'string', default: '2' }, 'consistency-seconds': { type: 'string', default: '20' } } }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const whole = (name: string, fallback?: number): number => {
    const text = values[name]
    if (text === undefined && fallback !== undefined) return fallback
    const n = Number(text)
    if (typeof text !== 'string' || !/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      console.error(`--${name} must be a whole number, not '${text}'\n${USAGE}`)
      process.exit(2)
    }
    return n
  }
  const nodes = whole('nodes')
  if (nodes < 1) {
    console.error(`--nodes must be at least 1\n${USAGE}`)
    process.exit(2)
  }
  return {
    count: whole('count'), seed: whole('seed', Math.floor(Math.random() * 2 ** 31)), crashRounds: whole('crash-rounds'),
    nodes, consistencySeconds: whole('consistency-seconds'),
  }
}

const { count, seed, crashRounds, nodes, consistencySeconds } = options()
const maxBodyBytes = 1024 * 1024
const requestTimeoutMs = 1500

const server = await startServerProcess({ args: ['--max-body-bytes', String(maxBodyBytes), '--request-timeout-ms', String(requestTimeoutMs)] })
try {
  console.log(`fuzzing ${server.url} with ${count} generated cases, seed ${seed}`)
  const started = performance.now()
  const report = await runFuzz({ url: server.url, count, seed, maxBodyBytes, requestTimeoutMs, log: (line) => console.log(line) })
  const seconds = (performance.now() - started) / 1000
  console.log(`\n${report.requests} requests in ${seconds.toFixed(1)} s: ${report.accepted} accepted, ${report.rejected} rejected`)
  for (const [key, n] of Object.entries(report.byType).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${key}`)
  if (/unexpected error/.test(server.output())) report.findings.push({ description: 'server log', problem: 'the server logged an unexpected error' })
  console.log(`\n${report.findings.length} findings`)
  for (const finding of report.findings.slice(0, 50)) console.log(`  - ${finding.description}: ${finding.problem}`)
  process.exitCode = report.findings.length === 0 ? 0 : 1
} finally {
  await server.stop()
  removeDir(server.dataDir)
}

if (crashRounds > 0) {
  const dataDir = tempDataDir()
  try {
    console.log(`\ncrash harness: ${crashRounds} kill points, seed ${seed}`)
    const crash = await runCrashHarness({ dataDir, rounds: crashRounds, seed, log: (line) => console.log(line) })
    console.log(`${crash.killPoints} kills (${crash.deletionsKilled} during deletions, ${crash.deletionsResumed} of them found InProgress at restart), ${crash.acknowledgedPuts} acknowledged puts, ${crash.instancesChecked} instance checks`)
    console.log(`${crash.findings.length} findings`)
    for (const finding of crash.findings.slice(0, 50)) console.log(`  - ${finding}`)
    if (crash.findings.length > 0) process.exitCode = 1
  } finally {
    removeDir(dataDir)
  }
}

if (consistencySeconds > 0) {
  // Every node on one store: one SQLite file, or (SSM_INVENTORY_TEST_STORE=postgres) one schema.
  const dataDir = tempDataDir()
  try {
    console.log(`\nconsistency harness: ${nodes} nodes on one store for ${consistencySeconds} s, a node killed now and then, seed ${seed}`)
    const started: ServerProcess[] = []
    const report = await runConsistency({
      startNode: async () => {
        const node = await startServerProcess({ dataDir, args: CONSISTENCY_NODE_ARGS })
        started.push(node)
        return node
      },
      nodes, seconds: consistencySeconds, seed, kills: true, log: (line) => console.log(line),
    })
    if (started.some((node) => /unexpected error/.test(node.output()))) report.findings.push('a node logged an unexpected error')
    const { data, DisableSchema, DeleteSchema } = report.deletions
    console.log(`${report.acknowledgedPuts} acknowledged puts, ${report.uncertainPuts} cut off by kills; deletions: ${data} data only, ${DisableSchema} DisableSchema, ${DeleteSchema} DeleteSchema (${report.deletionsRetried} asked again after a kill; ${report.partialDeletions} counted part of the instances, ${report.mixedVersionDeletions} several versions); ${report.versionRaises} version raises, ${report.kills} kills, ${report.concurrentReads} reads and ${report.progressReads} deletion progress reads checked while they ran, ${report.instancesChecked} instance checks at the end`)
    console.log(`${report.findings.length} findings`)
    for (const finding of report.findings.slice(0, 50)) console.log(`  - ${finding}`)
    if (report.findings.length > 0) process.exitCode = 1
  } finally {
    removeDir(dataDir)
  }
}
