/**
 * `npm run bench`: figures for the core service and the deletion lifecycle, each beside a
 * baseline measured in the same run on the same machine.
 *
 *  1. trivial-operation rate: GetInventorySchema on an empty store vs a bare node:http server
 *     that does JSON.parse and a small JSON reply (bench/floor-server.ts; same load
 *     generator, same concurrency);
 *  2. PutInventory ingest (2,000 instances x 100 entries, median of 5 runs after a warm-up
 *     that brings the server to its steady rate, its cold rate shown apart) vs raw
 *     better-sqlite3 inserts of the same documents, one transaction per document as each put is;
 *  3. deletion of 1,000,000 entries (10,000 instances x 100) vs a raw better-sqlite3 delete of
 *     the same rows; p99 of DescribeInventoryDeletions and ListInventoryEntries during three
 *     such deletions (their calls pooled) vs idle; the server's peak RSS during the deletion.
 *  7. PostgreSQL: ingest and deletion with one and two nodes beside raw pg writes (medians of 5
 *     and 3), after the same warm-up as in 2; and the ingest of one and two floor servers that
 *     only parse each put and write the puts arriving together in one statement: what minimal
 *     node:http servers writing through pg reach on the machine;
 *  6. soak (only with `npm run bench -- soak [seconds] [sqlite|postgres]`): mixed traffic from
 *     the three real clients plus back-to-back deletions for minutes, on PostgreSQL through two
 *     nodes; throughput, p99 per operation, RSS over time;
 *  5. SigV4 verification: the trivial-operation rate with verification on beside off; and the
 *     same for a bare node:http server paying only SigV4's per-request cryptography (its floor);
 *  4. GetInventory over a fleet of 10,000 instances x 5 types x 20 entries: one 50-entity
 *     page vs JSON-serialising the same page from memory; a filtered query and an
 *     aggregation over the whole fleet; the server's peak RSS meanwhile; then (4b) the same on
 *     PostgreSQL.
 *  8. a burst of uploads: 256 clients each sending a ~1 MiB PutInventory at once, to a server
 *     with the default --max-inflight-body-bytes beside one without a bound; time, the server's
 *     peak RSS, and the slowest GetInventorySchema answered meanwhile (asked from another process).
 *
 * Nothing here is asserted: the machine is shared and noisy. Read the ratios.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import {
  DeleteInventoryCommand,
  DescribeInventoryDeletionsCommand,
  GetInventoryCommand,
  GetInventorySchemaCommand,
  ListInventoryEntriesCommand,
  PutInventoryCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import Database from 'better-sqlite3'
import pg from 'pg'
import { settings } from '../src/config.js'
import { awsCli, instanceId } from '../test/support/clients.js'
import { dropSchema, freshSchemaName, schemaUrl, TEST_DATABASE_URL } from '../test/support/postgres.js'
import { removeDir, startServerProcess, tempDataDir, type ServerProcess } from '../test/support/server-process.js'

const agent = new Agent({ keepAlive: true, maxSockets: 64 })
const CAPTURE = '2026-11-01T10:00:00Z'

function call(url: string, target: string, body: string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; body: string; serverMs: number }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${target}`, 'content-length': String(Buffer.byteLength(body)), ...extraHeaders }
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (data += c))
      const timing = /dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, serverMs: timing ? Number(timing[1]) : NaN }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Requests per second with `concurrency` clients looping for `seconds`. */
async function rate(url: string, target: string, body: string, seconds: number, concurrency = 16, headers: Record<string, string> = {}): Promise<number> {
  let count = 0
  const end = Date.now() + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const r = await call(url, target, body, headers)
      if (r.status !== 200) throw new Error(`${target}: ${r.status} ${r.body}`)
      count++
    }
  }))
  return count / seconds
}

const FLOOR_SERVER = fileURLToPath(new URL('./floor-server.js', import.meta.url))

/** A server of bench/floor-server.ts (`bare`, `sigv4 SECRET`, `put URL SCHEMA POOL`), once it listens. */
function floorServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [FLOOR_SERVER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`floor server ${args[0]} exited with ${code}`)))
    child.stdout!.once('data', (d) => resolve({ url: String(d).trim(), child }))
  })
}

function content(entries: number): Record<string, string>[] {
  return Array.from({ length: entries }, (_, i) => ({ Name: `package-${i}`, Version: `1.${i}.0`, Arch: 'x86_64', Publisher: 'Example Corp' }))
}


/**
 * A lean HTTP/1.1 keep-alive load generator: pre-built request bytes written to raw
 * sockets, responses read by Content-Length. The load generator shares the machine's two
 * cores with the server; node:http's client would take half a core of them. Each of the
 * `connections` sockets sends what `nextRequest` gives until it gives nothing; every answer
 * must be 200. Resolves with the number of answers.
 */
async function drive(url: string, connections: number, nextRequest: () => string | Buffer | undefined): Promise<number> {
  const { hostname, port } = new URL(url)
  let answered = 0
  await Promise.all(Array.from({ length: connections }, () => new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let pending: Buffer = Buffer.alloc(0)
    const send = () => {
      const request = nextRequest()
      if (request === undefined) {
        socket.end()
        resolve()
        return
      }
      socket.write(request)
    }
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const headerEnd = pending.indexOf('\r\n\r\n')
      if (headerEnd < 0) return
      const head = pending.subarray(0, headerEnd).toString()
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
      if (pending.length < headerEnd + 4 + length) return
      if (!head.startsWith('HTTP/1.1 200')) {
        reject(new Error(`${head} ${pending.subarray(headerEnd + 4, headerEnd + 4 + length)}`))
        return
      }
      pending = pending.subarray(headerEnd + 4 + length)
      answered++
      send()
    })
    socket.on('error', reject)
    socket.on('connect', send)
  })))
  return answered
}

/** Seconds to send `count` calls of one operation, bodies from `bodyOf(1..count)`. */
async function blast(url: string, target: string, bodyOf: (n: number) => string, count: number, connections = 16): Promise<number> {
  const { hostname } = new URL(url)
  let next = 1
  const started = performance.now()
  await drive(url, connections, () => {
    if (next > count) return undefined
    const body = bodyOf(next++)
    return `POST / HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.${target}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  })
  return (performance.now() - started) / 1000
}

/** Requests per second for `seconds`, replaying one pre-built request. */
async function replayRate(url: string, request: string, seconds: number, connections = 16): Promise<number> {
  const bytes = Buffer.from(request)
  const end = performance.now() + seconds * 1000
  return (await drive(url, connections, () => (performance.now() < end ? bytes : undefined))) / seconds
}

async function ingest(url: string, typeName: string, instances: number, entries: number, firstInstance = 1): Promise<number> {
  const items = JSON.stringify([{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(entries) }])
  return blast(url, 'PutInventory', (n) => `{"InstanceId":"${instanceId(firstInstance + n - 1)}","Items":${items}}`, instances)
}

/**
 * Puts a server takes before an ingest section's timed runs (2 and 7), and how many of the
 * first are timed and shown apart. A server's rate climbs over its first few thousand puts
 * while V8 compiles its code: measured 2026-12-01 in runs of 2,000 puts from start, SQLite
 * ~205,000, ~367,000, ~391,000, then ~440,000-500,000 entries/s; PostgreSQL ~100,000,
 * ~140,000, then ~160,000-200,000, the main thread's CPU per put falling by half. The runs
 * measure the steady rate; the cold one is printed beside it, as section 4 prints its first
 * pages. Each raw baseline writes as many documents before its runs.
 */
const WARM_UP_PUTS = 5000
const COLD_PUTS = 2000
const INGEST_RUNS = 5

/** Warms a server up (see WARM_UP_PUTS); resolves with the rate of its first COLD_PUTS, in entries/s. */
async function warmUp(url: string, entries: number, firstInstance: number): Promise<number> {
  const cold = (COLD_PUTS * entries) / (await ingest(url, 'Custom:Warmup', COLD_PUTS, entries, firstInstance))
  await ingest(url, 'Custom:Warmup', WARM_UP_PUTS - COLD_PUTS, entries, firstInstance + COLD_PUTS)
  return cold
}

function rawDatabase(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, account TEXT, region TEXT, instance_id TEXT, type_name TEXT, content TEXT, seq INTEGER,
    UNIQUE (account, region, instance_id, type_name)); CREATE INDEX items_by_type ON items (account, region, type_name, seq);`)
  return db
}

function rawIngest(db: Database.Database, instances: number, entries: number, firstInstance = 1): number {
  const insert = db.prepare(`INSERT INTO items (account, region, instance_id, type_name, content, seq) VALUES ('000000000000', 'us-east-1', ?, 'Custom:Bench', ?, ?)`)
  const one = db.transaction((id: number, doc: string) => insert.run(instanceId(id), doc, id))
  const docs = content(entries)
  const started = performance.now()
  for (let id = firstInstance; id < firstInstance + instances; id++) one(id, JSON.stringify(docs))
  return (performance.now() - started) / 1000
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]
}

async function latencies(url: string, deletionId: string, until: () => boolean): Promise<{ describe: number[]; list: number[] }> {
  const describe: number[] = []
  const list: number[] = []
  const describeBody = JSON.stringify({ DeletionId: deletionId })
  const listBody = JSON.stringify({ InstanceId: instanceId(1), TypeName: 'Custom:Probe', MaxResults: 50 })
  while (!until()) {
    let t = performance.now()
    await call(url, 'DescribeInventoryDeletions', describeBody)
    describe.push(performance.now() - t)
    t = performance.now()
    await call(url, 'ListInventoryEntries', listBody)
    list.push(performance.now() - t)
  }
  return { describe, list }
}

/** User plus system CPU seconds a process has used, all threads (from /proc, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function benchTrivial(): Promise<void> {
  const server = await startServerProcess()
  const bare = await floorServer(['bare'])
  try {
    await rate(server.url, 'GetInventorySchema', '{}', 1)
    await rate(bare.url, 'GetInventorySchema', '{}', 1)
    const ours = await rate(server.url, 'GetInventorySchema', '{}', 4)
    const baseline = await rate(bare.url, 'GetInventorySchema', '{}', 4)
    console.log(`1. trivial operation (GetInventorySchema, empty store, 16 clients, keep-alive)`)
    console.log(`   ssm-inventory ${fmt(ours)} req/s | bare node:http ${fmt(baseline)} req/s | ratio ${fmt(ours / baseline, 2)} (target >= 0.7)`)
  } finally {
    bare.child.kill()
    await server.stop()
    removeDir(server.dataDir)
  }
}

/** A GetInventorySchema call signed for `url`'s host, as raw HTTP/1.1 bytes to replay. */
async function signedTrivialRequest(url: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
  const { host } = new URL(url)
  const signer = new SignatureV4({ credentials: key, region: 'us-east-1', service: 'ssm', sha256: Hash.bind(null, 'sha256') })
  const signed = await signer.sign(new HttpRequest({
    method: 'POST', protocol: 'http:', hostname: host, path: '/',
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventorySchema' }, body: '{}',
  }))
  const headerLines = Object.entries(signed.headers as Record<string, string>).filter(([name]) => name.toLowerCase() !== 'host').map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return `POST / HTTP/1.1\r\nHost: ${host}\r\n${headerLines}Content-Length: 2\r\n\r\n{}`
}

interface PairedCost {
  on: number
  off: number
  /** Median of the paired rounds' costs, and their range. */
  cost: number
  least: number
  most: number
  /** The server's CPU time per request (all its threads, from /proc), verifying and not. */
  cpuOnMicros: number
  cpuOffMicros: number
}

/**
 * One signed request replayed to a server that verifies it and to one that does not. The
 * machine's noise is larger than the difference measured: short rounds alternate and each is
 * compared with its neighbour (paired), then the median of those costs is taken. Beside the
 * rates, each server's own CPU time per request: what verification adds to the server,
 * whatever the load generator does to the machine.
 */
async function pairedCost(verifying: { url: string; child: ChildProcess }, open: { url: string; child: ChildProcess }, request: string, rounds: number, seconds: number): Promise<PairedCost> {
  await replayRate(verifying.url, request, 1)
  await replayRate(open.url, request, 1)
  const on: number[] = []
  const off: number[] = []
  const costs: number[] = []
  const cpu = { on: { seconds: 0, requests: 0 }, off: { seconds: 0, requests: 0 } }
  const measured = async (server: { url: string; child: ChildProcess }, side: 'on' | 'off') => {
    const before = cpuSeconds(server.child.pid!)
    const perSecond = await replayRate(server.url, request, seconds)
    cpu[side].seconds += cpuSeconds(server.child.pid!) - before
    cpu[side].requests += perSecond * seconds
    return perSecond
  }
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0
    const a = await measured(first ? verifying : open, first ? 'on' : 'off')
    const b = await measured(first ? open : verifying, first ? 'off' : 'on')
    const [withAuth, without] = first ? [a, b] : [b, a]
    on.push(withAuth)
    off.push(without)
    costs.push(1 - withAuth / without)
  }
  return {
    on: median(on), off: median(off), cost: median(costs), least: Math.min(...costs), most: Math.max(...costs),
    cpuOnMicros: (cpu.on.seconds / cpu.on.requests) * 1e6, cpuOffMicros: (cpu.off.seconds / cpu.off.requests) * 1e6,
  }
}

/**
 * The same signed request to a server that verifies signatures and to one that does not;
 * then the same comparison between two floor servers (bench/floor-server.ts): a bare
 * node:http server, and the same paying only SigV4's per-request cryptography. The floor's
 * cost is what verification with node:crypto costs on this machine however little else a
 * server does.
 */
async function benchAuthentication(): Promise<void> {
  const key = { accessKeyId: 'AKIABENCH00000000001', secretAccessKey: 'bench-secret-000000001' }
  const keysDir = tempDataDir()
  const keysFile = join(keysDir, 'keys.json')
  writeFileSync(keysFile, JSON.stringify([{ ...key, accountId: '123456789012' }]))
  const open = await startServerProcess()
  const verifying = await startServerProcess({ args: ['--credentials-file', keysFile] })
  const bare = await floorServer(['bare'])
  const floor = await floorServer(['sigv4', key.secretAccessKey])
  try {
    // SigV4 has no nonce: one request signed now stays valid for 15 minutes, so the load
    // generator replays it and spends nothing on signing. Both servers of a pair get the
    // request signed for the verifying one: the other ignores the signature.
    const ours = await pairedCost(verifying, open, await signedTrivialRequest(verifying.url, key), 9, 1.5)
    const least = await pairedCost(floor, bare, await signedTrivialRequest(floor.url, key), 9, 1)
    const pct = (x: number) => fmt(x * 100, 1)
    console.log(`5. SigV4 verification (GetInventorySchema, one signed request replayed on 16 raw keep-alive sockets, 9 alternating pairs of 1.5 s rounds)`)
    console.log(`   verification on ${fmt(ours.on)} req/s | off ${fmt(ours.off)} req/s (medians) | cost ${pct(ours.cost)} % (median of the paired rounds; range ${pct(ours.least)} to ${pct(ours.most)} %) (target < 15 %)`)
    console.log(`   server CPU per request: ${fmt(ours.cpuOnMicros, 1)} µs verifying | ${fmt(ours.cpuOffMicros, 1)} µs not verifying | verification adds ${fmt(ours.cpuOnMicros - ours.cpuOffMicros, 1)} µs, ${pct(ours.cpuOnMicros / ours.cpuOffMicros - 1)} % of the server's work`)
    console.log(`   floor: a bare node:http server ${fmt(least.off)} req/s (${fmt(least.cpuOffMicros, 1)} µs CPU per request) | the same paying only SigV4's cryptography ${fmt(least.on)} req/s (${fmt(least.cpuOnMicros, 1)} µs) | cost ${pct(least.cost)} % (range ${pct(least.least)} to ${pct(least.most)} %), +${fmt(least.cpuOnMicros - least.cpuOffMicros, 1)} µs a request`)
  } finally {
    bare.child.kill()
    floor.child.kill()
    await open.stop()
    await verifying.stop()
    removeDir(open.dataDir)
    removeDir(verifying.dataDir)
    removeDir(keysDir)
  }
}

async function benchIngest(): Promise<void> {
  const instances = 2000
  const entries = 100
  const server = await startServerProcess()
  const rawDir = tempDataDir()
  try {
    // Both sides warm up (JIT, caches, file growth) on other rows first (see WARM_UP_PUTS),
    // then run INGEST_RUNS times (a new type each time, as a fresh load would be); the
    // medians are compared.
    const cold = await warmUp(server.url, entries, 100_000)
    const ours: number[] = []
    for (let run = 1; run <= INGEST_RUNS; run++) ours.push((instances * entries) / (await ingest(server.url, `Custom:Bench${run}`, instances, entries)))
    const db = rawDatabase(join(rawDir, 'raw.sqlite'))
    rawIngest(db, WARM_UP_PUTS, entries, 100_000)
    const raw: number[] = []
    for (let run = 1; run <= INGEST_RUNS; run++) raw.push((instances * entries) / rawIngest(db, instances, entries, run * 10_000))
    db.close()
    const list = (xs: number[]) => xs.map((x) => fmt(x)).join(', ')
    console.log(`2. PutInventory ingest, ${fmt(instances)} instances x ${entries} entries of one custom type (16 keep-alive connections, median of ${INGEST_RUNS} runs after ${fmt(WARM_UP_PUTS)} warm-up puts)`)
    console.log(`   ssm-inventory ${fmt(median(ours))} entries/s (${list(ours)}) | raw better-sqlite3 insert ${fmt(median(raw))} entries/s (${list(raw)}) | ratio ${fmt(median(ours) / median(raw), 2)} (target >= 0.5)`)
    console.log(`     the server's first ${fmt(COLD_PUTS)} puts after start (V8 still compiling its code): ${fmt(cold)} entries/s (ratio ${fmt(cold / median(raw), 2)})`)
  } finally {
    await server.stop()
    removeDir(server.dataDir)
    removeDir(rawDir)
  }
}

interface DeletionRun {
  /** From DeletionStartTime to the LastStatusUpdateTime of Complete, as the server recorded them. */
  serverSeconds: number
  /** Until a poll saw Complete. */
  clientSeconds: number
  describe: number[]
  list: number[]
  rssBefore: number
  rssPeak: number
}

/** Deletes a type and follows it to Complete, with `probes` latency loops running meanwhile. */
async function deleteAndWatch(server: ServerProcess, typeName: string, probes: number): Promise<DeletionRun> {
  const pid = server.child.pid!
  let rssPeak = rssMiB(pid)
  const rssBefore = rssPeak
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pid))), 10)
  const started = performance.now()
  const response = JSON.parse((await call(server.url, 'DeleteInventory', JSON.stringify({ TypeName: typeName }))).body)
  let complete = false
  let serverSeconds = 0
  const busy = Array.from({ length: probes }, () => latencies(server.url, response.DeletionId, () => complete))
  while (!complete) {
    const status = JSON.parse((await call(server.url, 'DescribeInventoryDeletions', JSON.stringify({ DeletionId: response.DeletionId }))).body)
    const deletion = status.InventoryDeletions[0]
    complete = deletion.LastStatus === 'Complete'
    if (complete) serverSeconds = deletion.LastStatusUpdateTime - deletion.DeletionStartTime
    else await new Promise((r) => setTimeout(r, 5))
  }
  const clientSeconds = (performance.now() - started) / 1000
  const samples = await Promise.all(busy)
  clearInterval(sampler)
  return { serverSeconds, clientSeconds, describe: samples.flatMap((s) => s.describe), list: samples.flatMap((s) => s.list), rssBefore, rssPeak }
}

/**
 * Section 3(b) pools the probe calls of several deletions: at least DELETION_ROUNDS.min, more
 * until DURING_CALLS DescribeInventoryDeletions calls ran during them, DELETION_ROUNDS.max at
 * most. Measured 2026-12-01 on a machine that deletes the type in ~0.08 s: three deletions gave
 * ~280 calls, and the p99 of ListInventoryEntries during them read 0.92, 1.12 and 3.29 times
 * the idle one in three runs (a p99 of 280 calls is their third slowest).
 */
const DURING_CALLS = 800
const DELETION_ROUNDS = { min: 3, max: 10 }

async function benchDeletion(): Promise<void> {
  const instances = 10_000
  const entries = 100
  const total = instances * entries
  const server: ServerProcess = await startServerProcess({ args: ['--max-request-items-bytes', '10000000', '--max-item-bytes', '10000000'] })
  const rawDir = tempDataDir()
  try {
    await call(server.url, 'PutInventory', JSON.stringify({ InstanceId: instanceId(1), Items: [{ TypeName: 'Custom:Probe', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(200) }] }))
    // (a) throughput, nothing else running.
    await ingest(server.url, 'Custom:Bench', instances, entries)
    const alone = await deleteAndWatch(server, 'Custom:Bench', 0)

    // (b) latency while the same deletion runs, beside the same probes with the worker idle.
    // One deletion gives ~90 probe calls (on a fast machine it is over in ~0.08 s), whose p99
    // is nearly their maximum: deletions' calls are pooled until there are enough of them
    // (see DURING_CALLS).
    const probes = 4
    const idle: { describe: number[]; list: number[] }[] = []
    const duringRuns: DeletionRun[] = []
    const duringCalls = () => duringRuns.reduce((sum, r) => sum + r.describe.length, 0)
    for (let run = 1; run <= DELETION_ROUNDS.max && (run <= DELETION_ROUNDS.min || duringCalls() < DURING_CALLS); run++) {
      await ingest(server.url, `Custom:Again${run}`, instances, entries)
      await new Promise((r) => setTimeout(r, 1000))
      idle.push(...(await Promise.all(Array.from({ length: probes }, () => latencies(server.url, '00000000-0000-0000-0000-000000000000', ((n) => () => n-- <= 0)(100))))))
      duringRuns.push(await deleteAndWatch(server, `Custom:Again${run}`, probes))
    }
    const during = { serverSeconds: median(duringRuns.map((r) => r.serverSeconds)), describe: duringRuns.flatMap((r) => r.describe), list: duringRuns.flatMap((r) => r.list) }

    // (c) memory with a type a fifth of the size: the worker's memory must not scale with it.
    await ingest(server.url, 'Custom:Small', instances / 5, entries)
    const small = await deleteAndWatch(server, 'Custom:Small', 0)

    // (d) the start of a deletion of a type with many items: it counts them by version.
    const wide = await deletionStart(server, 50_000)

    const db = rawDatabase(join(rawDir, 'raw.sqlite'))
    rawIngest(db, instances, entries)
    const rawStarted = performance.now()
    db.prepare(`DELETE FROM items WHERE account = '000000000000' AND region = 'us-east-1' AND type_name = 'Custom:Bench'`).run()
    const rawSeconds = (performance.now() - rawStarted) / 1000
    db.close()

    const idleDescribe = idle.flatMap((s) => s.describe)
    const idleList = idle.flatMap((s) => s.list)
    console.log(`3. deletion of ${fmt(total)} entries (${fmt(instances)} instances x ${entries}), default batch size`)
    console.log(`   (a) ssm-inventory ${fmt(total / alone.serverSeconds)} entries/s (${fmt(alone.serverSeconds, 3)} s from DeletionStartTime to Complete; a poll saw it after ${fmt(alone.clientSeconds, 3)} s) | raw better-sqlite3 DELETE ${fmt(total / rawSeconds)} entries/s | ratio ${fmt(rawSeconds / alone.serverSeconds, 2)} (target >= 0.5)`)
    console.log(`   (b) with ${probes} clients probing meanwhile (${duringRuns.length} deletions pooled; each took ~${fmt(during.serverSeconds, 3)} s):`)
    console.log(`       p99 DescribeInventoryDeletions ${fmt(p99(during.describe), 2)} ms during (${during.describe.length} calls) vs ${fmt(p99(idleDescribe), 2)} ms idle (${idleDescribe.length} calls) | ratio ${fmt(p99(during.describe) / p99(idleDescribe), 2)} (target <= 2)`)
    console.log(`       p99 ListInventoryEntries (200-entry item, page of 50) ${fmt(p99(during.list), 2)} ms during vs ${fmt(p99(idleList), 2)} ms idle | ratio ${fmt(p99(during.list) / p99(idleList), 2)} (target <= 2)`)
    console.log(`   (c) server RSS peak during the 1,000,000-entry deletion ${fmt(alone.rssPeak)} MiB (${fmt(alone.rssBefore)} before); during a 200,000-entry deletion ${fmt(small.rssPeak)} MiB (${fmt(small.rssBefore)} before) (target < 256 MiB, not growing with the type)`)
    console.log(`   (d) DeleteInventory of a type of ${fmt(wide.items)} items: DryRun answered in ${fmt(wide.dryRunMs)} ms, the deletion in ${fmt(wide.deleteMs)} ms;`)
    console.log(`       the slowest GetInventorySchema meanwhile ${fmt(wide.slowestDuringMs, 1)} ms (${wide.duringCalls} calls from 2 clients) vs ${fmt(wide.slowestIdleMs, 1)} ms idle (${wide.idleCalls} calls)`)
  } finally {
    await server.stop()
    removeDir(server.dataDir)
    removeDir(rawDir)
  }
}

/**
 * DryRun, then DeleteInventory, of a type of `items` one-entry items, with two clients calling
 * GetInventorySchema meanwhile: how long the slowest of their calls waited (a count that held
 * the event loop would show here), beside the same clients with the server idle.
 */
async function deletionStart(server: ServerProcess, items: number) {
  await blast(server.url, 'PutInventory', (n) => `{"InstanceId":"${instanceId(n)}","Items":[{"TypeName":"Custom:Wide","SchemaVersion":"1.0","CaptureTime":"${CAPTURE}","Content":[{"Name":"n${n}"}]}]}`, items)
  const probing = () => {
    let stop = false
    const slowest = async () => {
      let calls = 0
      let worst = 0
      while (!stop) {
        const started = performance.now()
        await call(server.url, 'GetInventorySchema', '{}')
        worst = Math.max(worst, performance.now() - started)
        calls++
      }
      return { calls, worst }
    }
    const clients = [slowest(), slowest()]
    return async () => {
      stop = true
      const done = await Promise.all(clients)
      return { calls: done.reduce((sum, c) => sum + c.calls, 0), worst: Math.max(...done.map((c) => c.worst)) }
    }
  }
  const idle = probing()
  await new Promise((r) => setTimeout(r, 1000))
  const idleCalls = await idle()
  const during = probing()
  let started = performance.now()
  await call(server.url, 'DeleteInventory', JSON.stringify({ TypeName: 'Custom:Wide', DryRun: true }))
  const dryRunMs = performance.now() - started
  started = performance.now()
  const answer = await call(server.url, 'DeleteInventory', JSON.stringify({ TypeName: 'Custom:Wide' }))
  const deleteMs = performance.now() - started
  const duringCalls = await during()
  const total = JSON.parse(answer.body).DeletionSummary?.TotalCount
  if (total !== items) throw new Error(`DeleteInventory counted ${total} items, not ${items}: ${answer.body}`)
  return { items, dryRunMs, deleteMs, slowestDuringMs: duringCalls.worst, duringCalls: duringCalls.calls, slowestIdleMs: idleCalls.worst, idleCalls: idleCalls.calls }
}

function fleetBody(n: number): string {
  const entries = (make: (i: number) => Record<string, string>) => Array.from({ length: 20 }, (_, i) => make(i))
  const items = [
    { TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ PlatformType: n % 3 === 0 ? 'Windows' : 'Linux', PlatformName: 'Amazon Linux', ComputerName: `host-${n}` }] },
    { TypeName: 'AWS:Application', SchemaVersion: '1.1', CaptureTime: CAPTURE, Content: entries((i) => ({ Name: `app-${(n + i) % 200}`, Version: `${i % 4}.0`, Publisher: 'Example Corp' })) },
    ...[1, 2, 3, 4].map((t) => ({
      TypeName: `Custom:Type${t}`, SchemaVersion: '1.0', CaptureTime: CAPTURE,
      Content: entries((i) => ({ Key: `k${i}`, Value: String((n * 7 + i * t) % 1000), Owner: `team-${(n + t) % 25}` })),
    })),
  ]
  return JSON.stringify({ InstanceId: instanceId(n), Items: items })
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Section 4 on SQLite (the default store); 4b the same fleet and queries on PostgreSQL. */
async function benchGetInventory(store: 'sqlite' | 'postgres'): Promise<void> {
  const instances = 10_000
  const schema = store === 'postgres' ? freshSchemaName() : undefined
  const server = await startServerProcess({ args: schema ? ['--database-url', schemaUrl(schema)] : [] })
  try {
    let next = 1
    const loadStarted = performance.now()
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next <= instances) {
        const r = await call(server.url, 'PutInventory', fleetBody(next++))
        if (r.status !== 200) throw new Error(`PutInventory: ${r.status} ${r.body}`)
      }
    }))
    const loadSeconds = (performance.now() - loadStarted) / 1000
    const pid = server.child.pid!
    let peak = rssMiB(pid)
    const rssBefore = peak
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20)

    // One walk through the fleet's pages; the baseline serialises each page's parsed result.
    // The first pages a server builds run before V8 has compiled the code that builds them (a
    // server started without the loading took ~4 ms a page here until about the 45th, ~2 ms
    // after): they are shown apart, and the target is for the pages after them.
    const coldPages = 60
    const measuredPages = 100
    const coldBuildTimes: number[] = []
    const pageTimes: number[] = []
    const buildTimes: number[] = []
    const serialiseTimes: number[] = []
    let token: string | undefined
    for (let page = 0; page < coldPages + measuredPages; page++) {
      const body = JSON.stringify({ MaxResults: 50, ...(token ? { NextToken: token } : {}) })
      const t = performance.now()
      const r = await call(server.url, 'GetInventory', body)
      const elapsed = performance.now() - t
      if (r.status !== 200) throw new Error(`GetInventory: ${r.status} ${r.body}`)
      const parsed = JSON.parse(r.body)
      if (page < coldPages) {
        coldBuildTimes.push(r.serverMs)
      } else {
        pageTimes.push(elapsed)
        buildTimes.push(r.serverMs)
        const s = performance.now()
        JSON.stringify(parsed)
        serialiseTimes.push(performance.now() - s)
      }
      token = parsed.NextToken
    }
    const bytes = Buffer.byteLength(JSON.stringify(JSON.parse((await call(server.url, 'GetInventory', JSON.stringify({ MaxResults: 50 }))).body)))

    const timed = async (body: object): Promise<{ ms: number; result: any }> => {
      const times: number[] = []
      let result
      for (let i = 0; i < 5; i++) {
        const t = performance.now()
        const r = await call(server.url, 'GetInventory', JSON.stringify(body))
        times.push(performance.now() - t)
        if (r.status !== 200) throw new Error(`GetInventory: ${r.status} ${r.body}`)
        result = JSON.parse(r.body)
      }
      return { ms: median(times), result }
    }
    const filtered = await timed({ MaxResults: 50, Filters: [{ Key: 'Custom:Type3.Value', Values: ['999'], Type: 'Equal' }, { Key: 'AWS:InstanceInformation.PlatformType', Values: ['Linux'] }] })
    const aggregated = await timed({ Aggregators: [{ Expression: 'AWS:Application.Name', Aggregators: [{ Expression: 'AWS:Application.Version' }] }] })
    const grouped = await timed({ Aggregators: [{ Groups: [{ Name: 'Owned', Filters: [{ Key: 'Custom:Type1.Owner', Values: ['team-3'] }] }] }] })

    // Other calls while reports run back to back (on SQLite, the reports run on a query thread).
    const schemaCallLatencies = async (until: () => boolean): Promise<number[]> => {
      const samples: number[] = []
      while (!until()) {
        const t = performance.now()
        const r = await call(server.url, 'GetInventorySchema', JSON.stringify({ TypeName: 'Custom:Type1' }))
        if (r.status !== 200) throw new Error(`GetInventorySchema: ${r.status} ${r.body}`)
        samples.push(performance.now() - t)
        await sleep(5)
      }
      return samples
    }
    const idleEnd = performance.now() + 2000
    const idleSchema = await schemaCallLatencies(() => performance.now() > idleEnd)
    let reports = 0
    const reporting = (async () => {
      for (; reports < 10; reports++) {
        const r = await call(server.url, 'GetInventory', JSON.stringify({ Aggregators: [{ Expression: 'AWS:Application.Name', Aggregators: [{ Expression: 'AWS:Application.Version' }] }] }))
        if (r.status !== 200) throw new Error(`GetInventory: ${r.status} ${r.body}`)
      }
    })()
    const duringSchema = await schemaCallLatencies(() => reports >= 10)
    await reporting
    clearInterval(sampler)

    console.log(`${store === 'sqlite' ? '4. GetInventory' : '4b. GetInventory on PostgreSQL'} over ${fmt(instances)} instances x 5 types x 20 entries (loaded in ${fmt(loadSeconds, 1)} s)`)
    const build = median(buildTimes)
    const serialise = median(serialiseTimes)
    console.log(`   one 50-entity page (${fmt(bytes / 1024)} KiB, medians of ${measuredPages} pages across the fleet, after the first ${coldPages}):`)
    console.log(`     built by the server (request read to response serialised, Server-Timing) ${fmt(build, 2)} ms | JSON.stringify of the same page in memory ${fmt(serialise, 2)} ms | ratio ${fmt(build / serialise, 2)} ${store === 'sqlite' ? '(target <= 2)' : '(no target of its own: <= 2 is for the default store)'}`)
    console.log(`     the first ${coldPages} pages after start (V8 may still be compiling their code): built ${fmt(median(coldBuildTimes), 2)} ms (ratio ${fmt(median(coldBuildTimes) / serialise, 2)})`)
    console.log(`     round trip seen by the client over HTTP: ${fmt(median(pageTimes), 2)} ms (ratio ${fmt(median(pageTimes) / serialise, 2)})`)
    console.log(`   filtered query (Custom:Type3.Value = 999 AND PlatformType = Linux, first page, ${filtered.result.Entities.length} entities): ${fmt(filtered.ms, 1)} ms`)
    console.log(`   nested aggregation (AWS:Application.Name x Version, ${aggregated.result.Entities[0].Data['AWS:Application'].Content.length} rows over 200,000 entries): ${fmt(aggregated.ms, 1)} ms`)
    console.log(`   group count (Custom:Type1.Owner = team-3: ${grouped.result.Entities[0].Data.Owned.Content[0].matchingCount} matching): ${fmt(grouped.ms, 1)} ms`)
    console.log(`   GetInventorySchema while 10 nested aggregations run back to back: p50 ${fmt(median(duringSchema), 2)} ms, max ${fmt(Math.max(...duringSchema), 1)} ms (${duringSchema.length} calls) | idle p50 ${fmt(median(idleSchema), 2)} ms, max ${fmt(Math.max(...idleSchema), 1)} ms`)
    console.log(`   server RSS: ${fmt(rssBefore)} MiB after loading, peak ${fmt(peak)} MiB during the queries`)
  } finally {
    await server.stop()
    removeDir(server.dataDir)
    if (schema) await dropSchema(schema)
  }
}

const BOTO3_SOAK = fileURLToPath(new URL('../../bench/boto3_soak.py', import.meta.url))

/**
 * Soak: several minutes of mixed traffic from the three real clients (SDK v3 loops in this
 * process, a boto3 loop in Python, the AWS CLI every few seconds) while deletions of a large
 * type run back to back. Prints throughput and p99 per operation, and each server's RSS over
 * time, which must stay flat. On SQLite one server; on PostgreSQL two nodes on one schema, as
 * behind a load balancer: the SDK loops alternate between them, boto3 calls the first, the
 * CLI the second, and each deletion is started on the first and followed on the second.
 */
async function benchSoak(seconds: number, store: 'sqlite' | 'postgres'): Promise<void> {
  const schema = store === 'postgres' ? freshSchemaName() : undefined
  const nodeArgs = schema ? ['--database-url', schemaUrl(schema)] : []
  const servers = await Promise.all(Array.from({ length: schema ? 2 : 1 }, () => startServerProcess({ args: nodeArgs })))
  const [first, last] = [servers[0], servers[servers.length - 1]]
  const clients = servers.map((server) => new SSMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' }, maxAttempts: 1 }))
  const [ssm, follower] = [clients[0], clients[clients.length - 1]]
  const latencies = new Map<string, number[]>()
  const errors = new Map<string, number>()
  const record = (op: string, ms: number) => (latencies.get(op) ?? latencies.set(op, []).get(op)!).push(ms)
  const fail = (code: string) => errors.set(code, (errors.get(code) ?? 0) + 1)
  const end = Date.now() + seconds * 1000
  const rss: { at: number; mib: number[] }[] = []
  const started = Date.now()
  const sampler = setInterval(() => rss.push({ at: (Date.now() - started) / 1000, mib: servers.map((server) => rssMiB(server.child.pid!)) }), 1000)
  const content = Array.from({ length: 40 }, (_, i) => ({ Name: `pkg-${i}`, Version: `2.${i}` }))
  try {
    const timed = async (op: string, send: () => Promise<unknown>) => {
      const t = performance.now()
      try {
        await send()
      } catch (error: any) {
        fail(`${op} ${error.name}${error.$metadata?.httpStatusCode >= 500 ? ' (5xx)' : ''}`)
      }
      record(op, performance.now() - t)
    }
    const sdkLoop = async (worker: number) => {
      const client = clients[worker % clients.length]
      await client.send(new PutInventoryCommand({ InstanceId: instanceId(10_000 + worker * 1000), Items: [{ TypeName: 'Custom:SoakSdk', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] }))
      for (let n = 0; Date.now() < end; n++) {
        const instance = instanceId(10_000 + worker * 1000 + (n % 300))
        const roll = Math.random()
        if (roll < 0.5) await timed('PutInventory', () => client.send(new PutInventoryCommand({ InstanceId: instance, Items: [{ TypeName: 'Custom:SoakSdk', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content }] })))
        else if (roll < 0.65) await timed('ListInventoryEntries', () => client.send(new ListInventoryEntriesCommand({ InstanceId: instanceId(10_000 + worker * 1000), TypeName: 'Custom:SoakSdk', MaxResults: 20 })))
        else if (roll < 0.8) await timed('GetInventory', () => client.send(new GetInventoryCommand({ Filters: [{ Key: 'Custom:SoakSdk.Version', Values: ['2.3'] }], MaxResults: 20 })))
        else if (roll < 0.9) await timed('GetInventory (aggregation)', () => client.send(new GetInventoryCommand({ Aggregators: [{ Expression: 'AWS:InstanceInformation.InstanceStatus' }] })))
        else await timed('GetInventorySchema', () => client.send(new GetInventorySchemaCommand({})))
      }
    }
    const deletionLoop = async () => {
      let rounds = 0
      const bulk = content.slice(0, 20)
      while (Date.now() < end) {
        for (let start = 0; start < 2000 && Date.now() < end; start += 10) {
          await Promise.all(Array.from({ length: 10 }, (_, k) => timed('PutInventory (bulk)', () => ssm.send(new PutInventoryCommand({
            InstanceId: instanceId(50_000 + start + k), Items: [{ TypeName: 'Custom:SoakBulk', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: bulk }],
          })))))
        }
        let id: string | undefined
        await timed('DeleteInventory', async () => (id = (await ssm.send(new DeleteInventoryCommand({ TypeName: 'Custom:SoakBulk' }))).DeletionId))
        while (id && Date.now() < end) {
          let status: string | undefined
          await timed('DescribeInventoryDeletions', async () => (status = (await follower.send(new DescribeInventoryDeletionsCommand({ DeletionId: id }))).InventoryDeletions?.[0]?.LastStatus))
          if (status === 'Complete') break
          await new Promise((r) => setTimeout(r, 100))
        }
        rounds++
      }
      return rounds
    }
    const cliLoop = async () => {
      let calls = 0
      while (Date.now() < end - 3000) {
        const t = performance.now()
        const result = await awsCli(last.url, ['get-inventory', '--max-items', '20'], { region: 'us-east-1', accessKeyId: '123456789012' })
        record('GetInventory (AWS CLI)', performance.now() - t)
        if (result.code !== 0) fail(`AWS CLI exit ${result.code}`)
        calls++
        await new Promise((r) => setTimeout(r, 3000))
      }
      return calls
    }
    const boto3Run = new Promise<{ latencies: Record<string, number[]>; errors: Record<string, number> }>((resolve, reject) => {
      execFile('python3', [BOTO3_SOAK, first.url, String(seconds), '70000'], { maxBuffer: 256 * 1024 * 1024, timeout: (seconds + 60) * 1000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`boto3 soak failed: ${stderr || error.message}`))
        else resolve(JSON.parse(stdout))
      })
    })
    const [, deletionRounds, cliCalls, boto] = await Promise.all([Promise.all(Array.from({ length: 6 }, (_, w) => sdkLoop(w))), deletionLoop(), cliLoop(), boto3Run])
    for (const [op, samples] of Object.entries(boto.latencies)) for (const ms of samples) record(`${op} (boto3)`, ms)
    for (const [code, n] of Object.entries(boto.errors)) errors.set(`boto3 ${code}`, n)

    const total = [...latencies.values()].reduce((sum, l) => sum + l.length, 0)
    const where = schema ? `PostgreSQL, two nodes on one schema` : 'SQLite'
    console.log(`6. soak (${where}): ${seconds} s of SDK v3 (6 loops), boto3 (1 loop) and AWS CLI traffic, ${deletionRounds} back-to-back deletions of 2,000 items (${cliCalls} CLI calls)`)
    console.log(`   ${fmt(total)} calls, ${fmt(total / seconds)} calls/s`)
    for (const [op, samples] of [...latencies.entries()].sort()) {
      console.log(`   ${op.padEnd(32)} ${String(samples.length).padStart(7)} calls  p50 ${fmt(median(samples), 1).padStart(7)} ms  p99 ${fmt(p99(samples), 1).padStart(7)} ms`)
    }
    console.log(`   errors: ${errors.size === 0 ? 'none' : [...errors.entries()].map(([k, n]) => `${k} x${n}`).join(', ')}`)
    const step = Math.max(1, Math.floor(rss.length / 12))
    const third = Math.max(1, Math.floor(rss.length / 3))
    for (const [k] of servers.entries()) {
      const name = servers.length > 1 ? `node ${k + 1} RSS` : 'server RSS'
      console.log(`   ${name} (MiB) over time: ${rss.filter((_, i) => i % step === 0).map((r) => `${Math.round(r.at)}s ${fmt(r.mib[k])}`).join(' | ')}`)
      const early = Math.max(...rss.slice(0, third).map((r) => r.mib[k]))
      const late = Math.max(...rss.slice(-third).map((r) => r.mib[k]))
      console.log(`   ${servers.length > 1 ? `node ${k + 1}: ` : ''}peak RSS in the first third ${fmt(early)} MiB, in the last third ${fmt(late)} MiB (flat: growth ${fmt(((late - early) / early) * 100, 1)} %)`)
    }
  } finally {
    clearInterval(sampler)
    for (const client of clients) client.destroy()
    await Promise.all(servers.map((server) => server.stop()))
    for (const server of servers) removeDir(server.dataDir)
    if (schema) await dropSchema(schema)
  }
}

/**
 * Ingest and deletion on PostgreSQL, one node and two, beside raw `pg` doing the same writes.
 * Each figure is the median of three runs (new instances or a new type each time), raw and
 * ours alternating so that a slow minute of the machine hits both.
 */
async function benchPostgres(): Promise<void> {
  const schema = freshSchemaName()
  const url = schemaUrl(schema)
  const instances = 2000
  const entries = 100
  const deletionInstances = 10_000
  const runs = 3
  const nodeArgs = ['--database-url', url]
  const [a, b] = await Promise.all([startServerProcess({ args: nodeArgs }), startServerProcess({ args: nodeArgs })])
  const rawClient = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await rawClient.connect()
  // The floor (bench/floor-server.ts) writes into the same tables with as many connections as a node has.
  const poolSizeDefault = settings.find((setting) => setting.flag === 'database-pool-size')!.default
  const floors = await Promise.all([0, 1].map(() => floorServer(['put', TEST_DATABASE_URL, schema, poolSizeDefault])))
  try {
    const items = (typeName: string) => JSON.stringify([{ TypeName: typeName, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: content(entries) }])
    const doc = JSON.stringify(content(entries))
    await rawClient.query(`CREATE TABLE ${schema}.raw_items (LIKE ${schema}.items INCLUDING ALL)`)
    const rawInsert = async (first: number, count: number, typeName: string): Promise<number> => {
      const started = performance.now()
      for (let start = 0; start < count; start += 100) {
        const values: unknown[] = []
        const rows = Array.from({ length: Math.min(100, count - start) }, (_, k) => {
          values.push(instanceId(first + start + k), doc, first + start + k)
          const i = k * 3
          return `('000000000000', 'us-east-1', $${i + 1}, '${typeName}', '1.0', '${CAPTURE}', $${i + 2}, 100, $${i + 3})`
        })
        await rawClient.query(`INSERT INTO ${schema}.raw_items (account, region, instance_id, type_name, schema_version, capture_time, content, entry_count, seq) VALUES ${rows.join(', ')}`, values)
      }
      return (performance.now() - started) / 1000
    }
    const rawDelete = async (typeName: string): Promise<number> => {
      const started = performance.now()
      for (;;) {
        const result = await rawClient.query(`DELETE FROM ${schema}.raw_items WHERE id IN (SELECT id FROM ${schema}.raw_items WHERE account = '000000000000' AND region = 'us-east-1' AND type_name = '${typeName}' ORDER BY seq LIMIT 1000)`)
        if ((result.rowCount ?? 0) < 1000) break
      }
      return (performance.now() - started) / 1000
    }
    // Warm-up (see WARM_UP_PUTS): JIT, connections, planner statistics and file growth on both sides.
    const coldRates = [await warmUp(a.url, entries, 5_000_000), await warmUp(b.url, entries, 6_000_000)]
    await rawInsert(7_000_000, WARM_UP_PUTS, 'Custom:RawWarmup')
    for (const [k, floor] of floors.entries()) await warmUp(floor.url, entries, 8_000_000 + k * 100_000)

    const oneNode: number[] = []
    const twoNodes: number[] = []
    const raw: number[] = []
    const floorOne: number[] = []
    const floorTwo: number[] = []
    /** Two nodes: each takes every other instance, 16 connections each. */
    const twoNodeRate = async (nodes: { url: string }[], typeName: string, firstInstance: number) => {
      const started = performance.now()
      const body = items(typeName)
      await Promise.all(nodes.map((node, k) => blast(node.url, 'PutInventory', (n) => `{"InstanceId":"${instanceId(firstInstance + 2 * n + k)}","Items":${body}}`, instances / 2)))
      return (instances * entries) / ((performance.now() - started) / 1000)
    }
    for (let run = 0; run < INGEST_RUNS; run++) {
      const base = 1_000_000 * (run + 1)
      raw.push((instances * entries) / (await rawInsert(base, instances, `Custom:Raw${run}`)))
      oneNode.push((instances * entries) / (await ingest(a.url, `Custom:PgOne${run}`, instances, entries, base)))
      twoNodes.push(await twoNodeRate([a, b], `Custom:PgTwo${run}`, base + 500_000))
      floorOne.push((instances * entries) / (await ingest(floors[0].url, `Custom:FloorOne${run}`, instances, entries, base + 800_000)))
      floorTwo.push(await twoNodeRate(floors, `Custom:FloorTwo${run}`, base + 900_000))
    }

    // Deletion of 1,000,000 entries, three times.
    const deletions: number[] = []
    const rawDeletions: number[] = []
    for (let run = 0; run < runs; run++) {
      const typeName = `Custom:PgDelete${run}`
      const body = items(typeName)
      const base = 10_000_000 * (run + 1)
      await Promise.all([a, b].map((node, k) => blast(node.url, 'PutInventory', (n) => `{"InstanceId":"${instanceId(base + 2 * n + k)}","Items":${body}}`, deletionInstances / 2)))
      await rawInsert(base, deletionInstances, `Custom:RawDelete${run}`)
      await rawClient.query(`ANALYZE ${schema}.raw_items`)
      rawDeletions.push(await rawDelete(`Custom:RawDelete${run}`))
      deletions.push((await deleteAndWatch(a, typeName, 0)).serverSeconds)
    }
    const deleted = deletionInstances * entries
    const list = (xs: number[]) => xs.map((x) => fmt(x)).join(', ')
    const rates = (seconds: number[]) => seconds.map((s) => deleted / s)

    console.log(`7. PostgreSQL (${new URL(TEST_DATABASE_URL).host}), ${fmt(instances)} instances x ${entries} entries ingested (medians of ${INGEST_RUNS} runs, after ${fmt(WARM_UP_PUTS)} warm-up puts per node), ${fmt(deleted)} entries deleted (medians of ${runs} runs)`)
    console.log(`   ingest: one node ${fmt(median(oneNode))} entries/s (${list(oneNode)}), two nodes ${fmt(median(twoNodes))} entries/s (${list(twoNodes)}) | raw pg multi-row INSERT (100 documents per statement) ${fmt(median(raw))} entries/s (${list(raw)}) | ratios ${fmt(median(oneNode) / median(raw), 2)} and ${fmt(median(twoNodes) / median(raw), 2)} (target >= 0.5)`)
    console.log(`     each node's first ${fmt(COLD_PUTS)} puts after start (V8 still compiling its code): ${list(coldRates)} entries/s (ratios ${coldRates.map((r) => fmt(r / median(raw), 2)).join(' and ')})`)
    console.log(`     floor: node:http servers that only parse each put and write the puts arriving together in one statement (no validation, no checks, no transaction): one ${fmt(median(floorOne))} entries/s (${list(floorOne)}), two ${fmt(median(floorTwo))} entries/s (${list(floorTwo)}) | ratios ${fmt(median(floorOne) / median(raw), 2)} and ${fmt(median(floorTwo) / median(raw), 2)}`)
    console.log(`   deletion (two nodes running, one holds the job): ${fmt(median(rates(deletions)))} entries/s (${list(rates(deletions))}) | raw pg batched DELETE (1,000 rows per statement) ${fmt(median(rates(rawDeletions)))} entries/s (${list(rates(rawDeletions))}) | ratio ${fmt(median(rawDeletions) / median(deletions), 2)} (target >= 0.5)`)
  } finally {
    await rawClient.end()
    for (const floor of floors) floor.child.kill()
    await Promise.all([a.stop(), b.stop()])
    removeDir(a.dataDir)
    removeDir(b.dataDir)
    await dropSchema(schema)
  }
}

/** One ~0.93 MiB PutInventory: five custom types of 190 entries of ~1 KB. */
function uploadBody(n: number): string {
  const items = Array.from({ length: 5 }, (_, t) => ({
    TypeName: `Custom:Upload${t}`, SchemaVersion: '1.0', CaptureTime: CAPTURE,
    Content: Array.from({ length: 190 }, (_, e) => ({ Name: `entry-${e}`, Value: 'v'.repeat(1000) })),
  }))
  return JSON.stringify({ InstanceId: instanceId(n), Items: items })
}

interface BurstRun {
  seconds: number
  peakRssMiB: number
  slowestSmallMs: number
  failed: number
}

/**
 * The slowest of GetInventorySchema calls asked every 20 ms until the returned function is
 * called, from a process of their own (this one is busy sending the uploads).
 */
function watchSmallCalls(url: string): () => Promise<number> {
  const source = `
    let slowest = 0, done = false
    process.stdin.on('data', () => (done = true))
    while (!done) {
      const started = performance.now()
      const res = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetInventorySchema' }, body: '{}' })
      await res.text()
      slowest = Math.max(slowest, performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    console.log(slowest)
    process.exit(0)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return async () => {
    child.stdin!.end('stop')
    await exited
    return Number(out)
  }
}

/** Every client sends its upload at once, on a connection of its own. */
async function uploadBurst(args: string[], clients: number): Promise<BurstRun> {
  const server = await startServerProcess({ args })
  const burstAgent = new Agent({ keepAlive: true, maxSockets: clients })
  try {
    const bodies = Array.from({ length: clients }, (_, i) => uploadBody(i + 1))
    const slowestSmall = watchSmallCalls(server.url)
    await sleep(300)
    const started = performance.now()
    const answers = await Promise.all(bodies.map((body) => new Promise<number>((resolve, reject) => {
      const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutInventory', 'content-length': String(Buffer.byteLength(body)) }
      const req = request(server.url, { method: 'POST', agent: burstAgent, headers }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end(body)
    })))
    const seconds = (performance.now() - started) / 1000
    const slowestSmallMs = await slowestSmall()
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8')
    const peakRssMiB = Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024
    return { seconds, peakRssMiB, slowestSmallMs, failed: answers.filter((code) => code !== 200).length }
  } finally {
    burstAgent.destroy()
    await server.stop()
    removeDir(server.dataDir)
  }
}

async function benchUploadBurst(): Promise<void> {
  const clients = 256
  const bounded = await uploadBurst([], clients)
  const unbounded = await uploadBurst(['--max-inflight-body-bytes', String(2 ** 50)], clients)
  const line = (run: BurstRun) =>
    `${fmt(run.seconds, 1)} s, peak RSS ${fmt(run.peakRssMiB)} MiB, slowest GetInventorySchema meanwhile ${fmt(run.slowestSmallMs)} ms${run.failed ? `, ${run.failed} failed` : ''}`
  console.log(`8. burst of uploads: ${clients} clients each sending a ~0.93 MiB PutInventory at once`)
  console.log(`   bodies bounded (32 MiB, the default) ${line(bounded)}`)
  console.log(`   no bound (the baseline)              ${line(unbounded)}`)
}

const SECTIONS = ['trivial', 'ingest', 'deletion', 'get-inventory', 'auth', 'postgres', 'uploads', 'soak']

async function main(): Promise<void> {
  const [only, soakSeconds = '180', soakStore = 'sqlite'] = process.argv.slice(2)
  const refuse = (problem: string) => {
    console.error(`${problem}\nusage: npm run bench [-- ${SECTIONS.filter((name) => name !== 'soak').join('|')}] | npm run bench -- soak [seconds] [sqlite|postgres]`)
    process.exit(2)
  }
  if (only !== undefined && !SECTIONS.includes(only)) refuse(`unknown section '${only}'`)
  if (only === 'soak' && !/^[1-9]\d*$/.test(soakSeconds)) refuse(`the soak's seconds must be a whole number above 0, not '${soakSeconds}'`)
  if (only === 'soak' && soakStore !== 'sqlite' && soakStore !== 'postgres') refuse(`the soak runs on sqlite or postgres, not '${soakStore}'`)
  console.log(`ssm-inventory benchmarks (node ${process.version}); figures beside baselines from the same run\n`)
  if (!only || only === 'trivial') await benchTrivial()
  if (!only || only === 'ingest') await benchIngest()
  if (!only || only === 'deletion') await benchDeletion()
  if (!only || only === 'get-inventory') {
    await benchGetInventory('sqlite')
    await benchGetInventory('postgres')
  }
  if (!only || only === 'auth') await benchAuthentication()
  if (!only || only === 'postgres') await benchPostgres()
  if (!only || only === 'uploads') await benchUploadBurst()
  // The soak runs minutes: only when asked for (npm run bench -- soak [seconds] [sqlite|postgres]).
  if (only === 'soak') await benchSoak(Number(soakSeconds), soakStore as 'sqlite' | 'postgres')
  agent.destroy()
}

await main()
