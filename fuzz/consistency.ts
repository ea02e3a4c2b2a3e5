/**
 * Consistency harness for several nodes on one store: writers put one custom type through
 * every node at once while a controller, now and then, holds the writers, starts a deletion of
 * that very type (data only, DisableSchema or DeleteSchema) on one node, or raises the schema
 * version, and lets them go again; optionally a node is killed with SIGKILL at random moments
 * and started again. The writers then replace items the running deletions have not reached
 * yet, on any node, so the exact counts depend on the store releasing those items correctly
 * across nodes and across a takeover of the deletion's lease.
 *
 * Every put also writes an item of a second type, never deleted, with the same marker: a
 * deletion must leave it alone, and a put is never half stored. All of it runs in two
 * partitions (accounts and regions) at once, with the same type names and instance ids and a
 * model each: nothing of one may reach into the other.
 *
 * The model knows, per instance, what a read may return: the item of the last acknowledged
 * put, or, after a kill cut a put off, either that or the item of the cut put. Checked:
 * - every DeleteInventory answer counts, per schema version, exactly the items visible when
 *   it started (within the model's uncertainty) and a retried ClientToken gives one deletion;
 * - every deletion ends Complete with those counts and nothing remaining;
 * - DescribeInventoryDeletions lists exactly the deletions started, newest first, and a
 *   completed deletion's ClientToken asked again returns it (refused with another option);
 * - every node reads every instance as the model says (ListInventoryEntries), and GetInventory
 *   shows the type for exactly those instances;
 * - while deletions run, their progress read on any node only goes forward: RemainingCount,
 *   overall and per version, never rises, stays within the counts, and Complete stays Complete
 *   with nothing remaining;
 * - GetInventory's group count of the instances holding the type, read while all this runs,
 *   lies between those certain to hold one when the read began (none if a deletion may have
 *   started meanwhile) and those that may have held one during it;
 * - while all this runs, readers on every node never see an item the model rules out at the
 *   time: a read may see what was there when it began, what a put under way or begun meanwhile
 *   wrote, and nothing only while a deletion may have started; never an item whose deletion
 *   had answered, nor an older one than the last acknowledged put's.
 */
import { randomUUID } from 'node:crypto'
import { Agent } from 'node:http'
import type { ServerProcess } from '../test/support/server-process.js'
import { rng, type Rng } from './cases.js'
import { callOperation, NoAnswer, NotDelivered, type RawAnswer } from './raw-call.js'

export interface ConsistencyOptions {
  /** Starts one node on the shared store (a fresh port each time). */
  startNode: () => Promise<ServerProcess>
  nodes: number
  /** How long the writers and the controller run. */
  seconds: number
  seed: number
  /** Kill a node now and then (SIGKILL) and start it again. */
  kills: boolean
  log?: (line: string) => void
}

export interface ConsistencyReport {
  acknowledgedPuts: number
  /** Puts cut off by a kill: they may or may not have been written. */
  uncertainPuts: number
  deletions: Record<'data' | 'DisableSchema' | 'DeleteSchema', number>
  /** DeleteInventory calls cut off by a kill and asked again, with their ClientToken, of another node. */
  deletionsRetried: number
  /** Deletions that counted fewer items than instances, and that counted several versions. */
  partialDeletions: number
  mixedVersionDeletions: number
  versionRaises: number
  kills: number
  /** Reads (ListInventoryEntries, GetInventory) checked while writers and deletions ran. */
  concurrentReads: number
  /** DescribeInventoryDeletions of running deletions checked while they ran. */
  progressReads: number
  instancesChecked: number
  findings: string[]
}

/** Small, paced deletion batches and a short lease: deletions run while writers put, and a kill's job is taken over soon. */
export const CONSISTENCY_NODE_ARGS = ['--deletion-lease-ms', '1000', '--deletion-poll-ms', '100', '--deletion-batch-size', '4', '--deletion-pause-ms', '15']

const TYPE_NAME = 'Custom:Consistency'
/** Written by every put beside TYPE_NAME, never deleted. */
const BYSTANDER = 'Custom:Bystander'
const CAPTURE = '2026-01-01T00:00:00Z'
const INSTANCES = 48
const WRITERS = 6
const READERS = 2
/**
 * The partitions written at once, each with a model of its own: the same type names and
 * instance ids in each, so that a deletion or a put reaching into another partition shows.
 * These nodes verify no signature: the Authorization header's credential scope alone picks
 * the partition (a twelve-digit access key id is the account).
 */
const PARTITIONS = [
  { account: '000000000000', region: 'us-east-1', authorization: undefined },
  { account: '222222222222', region: 'eu-west-1', authorization: 'AWS4-HMAC-SHA256 Credential=222222222222/20260101/eu-west-1/ssm/aws4_request, SignedHeaders=content-type;host, Signature=00' },
]
const instanceId = (n: number) => `i-${n.toString(16).padStart(17, '0')}`

interface StartedDeletion {
  id: string
  option: 'data' | 'DisableSchema' | 'DeleteSchema'
  token: string
  /** The counts its DeleteInventory answer gave. */
  total: number
  versions: Map<string, number>
}

/** What an instance's item may be: null for none. */
type Possible = { marker: number; version: string } | null

/** A call a live server does not answer in this long is a finding, not a kill's doing. */
const CALL_TIMEOUT_MS = 30_000

interface LiveNode {
  server: ServerProcess
  agent: Agent
  up: boolean
}

/** A call in one partition (its Authorization header's credential scope; not verified by these nodes). */
type Caller = (node: LiveNode, operation: string, input: object) => Promise<RawAnswer>

function callAs(authorization: string | undefined, node: LiveNode, operation: string, input: object): Promise<RawAnswer> {
  return callOperation(node.server.url, node.agent, operation, input, { authorization, timeoutMs: CALL_TIMEOUT_MS })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runConsistency(options: ConsistencyOptions): Promise<ConsistencyReport> {
  const report: ConsistencyReport = {
    acknowledgedPuts: 0, uncertainPuts: 0, deletions: { data: 0, DisableSchema: 0, DeleteSchema: 0 }, deletionsRetried: 0, partialDeletions: 0, mixedVersionDeletions: 0, versionRaises: 0, kills: 0, concurrentReads: 0, progressReads: 0, instancesChecked: 0, findings: [],
  }
  const log = options.log ?? (() => {})
  const random = rng(options.seed)
  const nodes: LiveNode[] = []
  for (const server of await Promise.all(Array.from({ length: options.nodes }, () => options.startNode()))) nodes.push({ server, agent: new Agent({ keepAlive: true }), up: true })
  const upNode = (): LiveNode | undefined => {
    const up = nodes.filter((n) => n.up)
    return up.length === 0 ? undefined : up[Math.floor(random() * up.length)]
  }

  // Kills: one node at a time, never the last one up; each node killed is started again.
  let restarting: Promise<void> | undefined
  const killAndRestart = (node: LiveNode, downMs: number) => {
    if (restarting || nodes.filter((n) => n.up).length < 2) return
    restarting = (async () => {
      node.up = false
      await node.server.kill()
      node.agent.destroy()
      report.kills++
      await sleep(downMs)
      node.server = await options.startNode()
      node.agent = new Agent({ keepAlive: true })
      node.up = true
    })()
      .catch((error: Error) => void report.findings.push(`a killed node did not start again: ${error.message}`))
      .finally(() => (restarting = undefined))
  }

  const end = performance.now() + options.seconds * 1000
  /** One partition's writers, readers, watcher and controller, then its checks: each partition has a model of its own. */
  const runPartition = async (k: number) => {
    const label = k === 0 ? '' : `[${PARTITIONS[k].account}/${PARTITIONS[k].region}] `
    const finding = (text: string) => void report.findings.push(label + text)
    const call: Caller = (node, operation, input) => callAs(PARTITIONS[k].authorization, node, operation, input)
    /** The controller's choices (upNode keeps the run's own generator). */
    const partitionRandom = rng(options.seed * 43 + k)
    const model = new Map<number, Possible[]>()
    /** Per instance, the markers its BYSTANDER item may hold (0: none yet). */
    const bystanders = new Map<number, number[]>()
    /** Per instance, every put begun, in order; and the one under way, if any. */
    const begun = new Map<number, Possible[]>()
    const underWay = new Map<number, Possible>()
    for (let n = 1; n <= INSTANCES; n++) {
      model.set(n, [null])
      bystanders.set(n, [0])
      begun.set(n, [])
    }
    let major = 1
    let minor = 0
    const version = () => `${major}.${minor}`
    let nextMarker = 1
    /** Instances with an acknowledged put: every node knows them from then on. */
    const acknowledged = new Set<number>()
    /** DeleteInventory calls begun, and whether one is under way (its data may be gone already). */
    let deletionCalls = 0
    let deleting = false
    /** Whether the type may not exist: no put acknowledged yet, or none since a DeleteSchema removed it. */
    let typeMayBeGone = true
    /** Whether it may be hidden besides: no put acknowledged yet, or none since a DisableSchema. */
    let typeMayBeHidden = true
    /** Deletions started, oldest first, with the counts their start gave. */
    const started: StartedDeletion[] = []

    // Writers wait at the gate while the controller holds them; inFlight counts puts under way.
    let stopping = false
    let held: Promise<void> | undefined
    let inFlight = 0
    let drained: (() => void) | undefined
    const writer = async (w: number, writerRandom: Rng) => {
      while (!stopping) {
        if (held) {
          await held
          continue
        }
        const n = 1 + w + WRITERS * Math.floor(writerRandom() * (INSTANCES / WRITERS))
        const node = upNode()
        if (!node) {
          await sleep(10)
          continue
        }
        const written: Possible = { marker: nextMarker++, version: version() }
        const rows = 1 + Math.floor(writerRandom() * 4)
        inFlight++
        begun.get(n)!.push(written)
        underWay.set(n, written)
        /** The put may or may not have been written: the model allows both from now on. */
        const cutOff = () => {
          model.set(n, [...model.get(n)!, written])
          bystanders.set(n, [...bystanders.get(n)!, written.marker])
          report.uncertainPuts++
        }
        try {
          const answer = await call(node, 'PutInventory', {
            InstanceId: instanceId(n),
            Items: [
              { TypeName: TYPE_NAME, SchemaVersion: written.version, CaptureTime: CAPTURE, Content: Array.from({ length: rows }, (_, row) => ({ Marker: String(written.marker), Row: String(row) })) },
              { TypeName: BYSTANDER, SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Marker: String(written.marker) }] },
            ],
          })
          if (answer.status === 200) {
            model.set(n, [written])
            bystanders.set(n, [written.marker])
            acknowledged.add(n)
            typeMayBeGone = false
            typeMayBeHidden = false
            report.acknowledgedPuts++
          } else if (answer.status >= 500 && !node.up) {
            cutOff() // answered while the node was going down: the put may still have been written
          } else {
            finding(`a put of ${instanceId(n)} at version ${written.version} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
          }
        } catch (error) {
          if (error instanceof NoAnswer && node.up) finding(`a put of ${instanceId(n)}: ${error.message}`)
          if (!(error instanceof NotDelivered)) cutOff()
        } finally {
          underWay.delete(n)
          inFlight--
          if (inFlight === 0 && drained) drained()
        }
      }
    }

    // Readers: what a read may see is bounded by the model when it began and when it ended.
    const reader = async (readerRandom: Rng) => {
      while (!stopping) {
        const n = 1 + Math.floor(readerRandom() * INSTANCES)
        const node = upNode()
        if (!node) {
          await sleep(10)
          continue
        }
        if (readerRandom() < 0.2) {
          await countRead(node)
          continue
        }
        const before = model.get(n)!
        const begunBefore = begun.get(n)!.length
        const wayBefore = underWay.get(n)
        const [callsBefore, deletingBefore] = [deletionCalls, deleting]
        const how = readerRandom() < 0.5 ? 'ListInventoryEntries' : 'GetInventory'
        const knownBefore = acknowledged.has(n)
        let item: Possible | 'unknown instance'
        try {
          item = await readItem(call, node, n, how)
        } catch (error) {
          // A kill cut the read off; anything else is a finding.
          if (node.up && !(error instanceof NotDelivered)) finding(`a ${how} of ${instanceId(n)} failed on a live node: ${(error as Error).message}`)
          continue
        }
        report.concurrentReads++
        if (item === 'unknown instance') {
          if (knownBefore) finding(`${how} on ${node.server.url} does not know ${instanceId(n)}, whose puts were acknowledged before the read`)
          continue
        }
        const allowed = [...before, ...model.get(n)!, ...(wayBefore ? [wayBefore] : []), ...begun.get(n)!.slice(begunBefore)]
        const mayBeGone = allowed.includes(null) || deletingBefore || deletionCalls !== callsBefore
        const ok = item === null ? mayBeGone : allowed.some((p) => p !== null && p.marker === item!.marker && p.version === item!.version)
        if (!ok) finding(`${how} on ${node.server.url} read ${instanceId(n)} as ${JSON.stringify(item)} while the model allowed ${JSON.stringify(allowed)}${mayBeGone ? ' or none' : ''}`)
      }
    }

    /**
     * Progress of the deletions started: what reads that ended showed (the least remaining, and
     * whether one saw it Complete). A read begun after another ended may not show less progress.
     */
    const progress = new Map<string, { remaining: number; versions: Map<string, number>; complete: boolean }>()
    const progressWatcher = async (watcherRandom: Rng) => {
      while (!stopping) {
        const node = upNode()
        if (!node || started.length === 0) {
          await sleep(10)
          continue
        }
        // Mostly the latest deletions, which are the ones running.
        const deletion = started[Math.max(0, started.length - 1 - Math.floor(watcherRandom() * Math.min(started.length, 4)))]
        // What reads ended so far showed (entries are replaced, never changed in place).
        const floor = progress.get(deletion.id) ?? { remaining: deletion.total, versions: deletion.versions, complete: false }
        let answer: RawAnswer
        try {
          answer = await call(node, 'DescribeInventoryDeletions', { DeletionId: deletion.id })
        } catch (error) {
          if (node.up && !(error instanceof NotDelivered)) finding(`DescribeInventoryDeletions failed on a live node: ${(error as Error).message}`)
          continue
        }
        const status = answer.json?.InventoryDeletions?.[0]
        if (answer.status !== 200 || !status) {
          if (node.up) finding(`DescribeInventoryDeletions ${deletion.id} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
          continue
        }
        report.progressReads++
        const summary = status.DeletionSummary
        const complete = status.LastStatus === 'Complete'
        const problems: string[] = []
        if (summary.TotalCount !== deletion.total) problems.push(`TotalCount ${summary.TotalCount}, started with ${deletion.total}`)
        if (summary.RemainingCount < 0 || summary.RemainingCount > floor.remaining) problems.push(`RemainingCount ${summary.RemainingCount} after ${floor.remaining}`)
        if (floor.complete && !complete) problems.push(`${status.LastStatus} after Complete`)
        if (complete && summary.RemainingCount !== 0) problems.push(`Complete with ${summary.RemainingCount} remaining`)
        for (const v of summary.SummaryItems ?? []) {
          const before = floor.versions.get(v.Version)
          if (before === undefined || v.RemainingCount < 0 || v.RemainingCount > before || v.RemainingCount > v.Count) problems.push(`version ${v.Version} RemainingCount ${v.RemainingCount} of ${v.Count} after ${before}`)
        }
        if (problems.length > 0) finding(`DescribeInventoryDeletions on ${node.server.url}, deletion ${deletion.id}: ${problems.join('; ')}`)
        const latest = progress.get(deletion.id) ?? floor
        const versions = new Map(latest.versions)
        for (const v of summary.SummaryItems ?? []) versions.set(v.Version, Math.min(versions.get(v.Version) ?? Infinity, v.RemainingCount))
        progress.set(deletion.id, { remaining: Math.min(latest.remaining, summary.RemainingCount), versions, complete: latest.complete || complete })
      }
    }

    /**
     * A fleet-wide read: GetInventory's group count of the instances whose item is visible (every
     * item has a row 0) and of the partition's instances. Without a deletion meanwhile, items only
     * come and get replaced, so the count lies between the instances certain to hold one when
     * the read began and those that may have held one at any time during it.
     */
    const countRead = async (node: LiveNode) => {
      const modelBefore = new Map(model)
      const begunBefore = new Map([...begun].map(([n, puts]) => [n, puts.length]))
      const wayBefore = new Set(underWay.keys())
      const [callsBefore, deletingBefore] = [deletionCalls, deleting]
      const knownBefore = acknowledged.size
      const typeMayBeAbsent = typeMayBeGone || typeMayBeHidden
      let answer: RawAnswer
      try {
        answer = await call(node, 'GetInventory', { Aggregators: [{ Groups: [{ Name: 'holding', Filters: [{ Key: `${TYPE_NAME}.Row`, Values: ['0'], Type: 'Equal' }] }] }] })
      } catch (error) {
        if (node.up && !(error instanceof NotDelivered)) finding(`a group count failed on a live node: ${(error as Error).message}`)
        return
      }
      const noDeletion = !deletingBefore && deletionCalls === callsBefore
      if (answer.status !== 200) {
        // A type not put yet, or removed or disabled (before or during the read) and not put since, is unknown to a filter.
        if (answer.json?.__type === 'InvalidInventoryGroupException' && (typeMayBeAbsent || !noDeletion)) return
        if (node.up) finding(`a group count answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
        return
      }
      report.concurrentReads++
      const counts = answer.json.Entities?.[0]?.Data?.holding?.Content?.[0] ?? {}
      const [matching, notMatching] = [Number(counts.matchingCount), Number(counts.notMatchingCount)]
      let least = 0
      let most = 0
      let mayBeKnown = 0
      for (let n = 1; n <= INSTANCES; n++) {
        const possible = modelBefore.get(n)!
        if (noDeletion && possible.every((p) => p !== null)) least++
        const putMeanwhile = wayBefore.has(n) || begun.get(n)!.length > begunBefore.get(n)!
        if (putMeanwhile || possible.some((p) => p !== null) || model.get(n)!.some((p) => p !== null)) most++
        if (begun.get(n)!.length > 0) mayBeKnown++
      }
      if (!(matching >= least && matching <= most)) finding(`a group count on ${node.server.url} found ${matching} instances holding ${TYPE_NAME}; ${least}-${most} could`)
      if (!(matching + notMatching >= knownBefore && matching + notMatching <= mayBeKnown)) finding(`a group count on ${node.server.url} found ${matching + notMatching} instances; ${knownBefore}-${mayBeKnown} could be known`)
    }

    /** Holds the writers, waits for their puts under way, runs `work`, lets them go. */
    const whileHeld = async (work: () => Promise<void>) => {
      let release!: () => void
      held = new Promise((r) => (release = r))
      if (inFlight > 0) await new Promise<void>((r) => (drained = r))
      drained = undefined
      try {
        await work()
      } finally {
        held = undefined
        release()
      }
    }

    /** Per version, how many items a deletion starting now counts at least and at most. */
    const expectedCounts = () => {
      const least = new Map<string, number>()
      const most = new Map<string, number>()
      let totalLeast = 0
      let totalMost = 0
      for (const possible of model.values()) {
        const present = possible.filter((p): p is NonNullable<Possible> => p !== null)
        if (present.length === possible.length) totalLeast++
        if (present.length > 0) totalMost++
        const versions = new Set(present.map((p) => p.version))
        for (const v of versions) {
          most.set(v, (most.get(v) ?? 0) + 1)
          if (present.length === possible.length && versions.size === 1) least.set(v, (least.get(v) ?? 0) + 1)
        }
      }
      return { least, most, totalLeast, totalMost }
    }

    /** A deletion, marked under way from before its call until the model has taken its answer in. */
    const startDeletion = async () => {
      deletionCalls++
      deleting = true
      try {
        await startDeletionNow()
      } finally {
        deleting = false
      }
    }

    const startDeletionNow = async () => {
      const roll = partitionRandom()
      const option = roll < 0.7 ? undefined : roll < 0.85 ? 'DisableSchema' : 'DeleteSchema'
      const expected = expectedCounts()
      const token = randomUUID()
      const input = { TypeName: TYPE_NAME, ClientToken: token, ...(option ? { SchemaDeleteOption: option } : {}) }
      let answer: RawAnswer | undefined
      let retried = false
      // Now and then the node asked is killed a moment after the call went out.
      const killAsked = options.kills && partitionRandom() < 0.25
      for (let attempt = 0; attempt < 50 && !answer; attempt++) {
        const node = upNode()
        if (!node) {
          await sleep(50)
          continue
        }
        try {
          const answering = call(node, 'DeleteInventory', input)
          if (attempt === 0 && killAsked) setTimeout(() => killAndRestart(node, Math.floor(partitionRandom() * 300)), Math.floor(partitionRandom() * 4))
          answer = await answering
          if (answer.status >= 500 && !node.up) answer = undefined
        } catch (error) {
          // Cut off by a kill: ask again, with the same token, wherever a node is up.
          if (!(error instanceof NotDelivered)) retried = true
          await sleep(20)
        }
      }
      if (!answer) {
        finding(`DeleteInventory ${option ?? '(data)'} got no answer from any node`)
        return
      }
      if (retried) report.deletionsRetried++
      if (answer.status !== 200) {
        // A type that a DeleteSchema removed, with no put acknowledged since (cut-off puts may or may not have recreated it).
        if (answer.json?.__type === 'InvalidTypeNameException' && typeMayBeGone) {
          for (const n of model.keys()) model.set(n, [null])
          return
        }
        finding(`DeleteInventory ${option ?? '(data)'} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
        return
      }
      const summary = answer.json.DeletionSummary
      const counted = new Map<string, number>((summary.SummaryItems ?? []).map((v: any) => [v.Version, v.Count]))
      const described = `deletion ${answer.json.DeletionId} (${option ?? 'data only'})`
      if (summary.TotalCount < expected.totalLeast || summary.TotalCount > expected.totalMost) {
        finding(`${described} counted ${summary.TotalCount} items; ${expected.totalLeast}-${expected.totalMost} were visible`)
      }
      const sum = [...counted.values()].reduce((a, b) => a + b, 0)
      if (sum !== summary.TotalCount) finding(`${described}: its versions add up to ${sum}, not TotalCount ${summary.TotalCount}`)
      for (const v of new Set([...counted.keys(), ...expected.most.keys()])) {
        const count = counted.get(v) ?? 0
        const [least, most] = [expected.least.get(v) ?? 0, expected.most.get(v) ?? 0]
        if (count < least || count > most) finding(`${described} counted ${count} items of version ${v}; ${least}-${most} were visible`)
      }
      if (!retried && summary.RemainingCount !== summary.TotalCount) finding(`${described} started with RemainingCount ${summary.RemainingCount} of ${summary.TotalCount}`)
      if (started.some((d) => d.id === answer!.json.DeletionId)) finding(`${described}: a new ClientToken gave the DeletionId of an earlier deletion`)
      started.push({ id: answer.json.DeletionId, option: option ?? 'data', token, total: summary.TotalCount, versions: counted })
      report.deletions[option ?? 'data']++
      if (summary.TotalCount < INSTANCES) report.partialDeletions++
      if (counted.size > 1) report.mixedVersionDeletions++
      for (const n of model.keys()) model.set(n, [null])
      if (option === 'DeleteSchema') typeMayBeGone = true
      if (option === 'DisableSchema') {
        typeMayBeHidden = true
        // A disabled type takes only versions above the disabled one.
        major++
        minor = 0
      }
    }

    const writers = [
      ...Array.from({ length: WRITERS }, (_, w) => writer(w, rng(options.seed * 31 + w + 1000 * k))),
      ...Array.from({ length: READERS }, (_, r) => reader(rng(options.seed * 37 + r + 1000 * k))),
      progressWatcher(rng(options.seed * 41 + k)),
    ]
    try {
      while (performance.now() < end) {
        // Sometimes soon, while only some instances were put again since the last action (counts
        // below the fleet, several versions in one deletion), sometimes after every one was.
        await sleep(partitionRandom() < 0.5 ? Math.floor(partitionRandom() * 15) : 100 + Math.floor(partitionRandom() * 500))
        const roll = partitionRandom()
        if (roll < 0.7) {
          await whileHeld(startDeletion)
        } else {
          // Versions only go up: the next puts take a higher one (held, so that none goes down).
          await whileHeld(async () => {
            minor++
            report.versionRaises++
          })
        }
      }
    } finally {
      stopping = true
      await Promise.all(writers)
    }
    return { started, model, bystanders, call, label }
  }

  let partitionsRunning = PARTITIONS.length
  const killing = (async () => {
    while (options.kills && partitionsRunning > 0) {
      await sleep(700 + Math.floor(random() * 1500))
      if (partitionsRunning > 0) killAndRestart(nodes[Math.floor(random() * nodes.length)], Math.floor(random() * 400))
    }
  })()
  try {
    const partitions = await Promise.all(PARTITIONS.map((_, k) => runPartition(k).finally(() => partitionsRunning--)))
    await killing
    await restarting
    log(`  ${report.acknowledgedPuts} puts acknowledged, ${report.uncertainPuts} cut off, ${partitions.reduce((sum, p) => sum + p.started.length, 0)} deletions started (${report.deletionsRetried} asked again after a kill), ${report.kills} kills, ${PARTITIONS.length} partitions`)
    const live = nodes.filter((node) => node.up)
    for (const { started, model, bystanders, call, label } of partitions) {
      await checkDeletions(call, label, live, started, report)
      await checkItems(call, label, live, model, bystanders, report)
    }
  } finally {
    partitionsRunning = 0
    for (const node of nodes) {
      node.agent.destroy()
      if (node.server.child.exitCode === null) await node.server.stop()
    }
  }
  return report
}

/** Every deletion ends Complete with its start's counts; the list holds exactly them, newest first. */
async function checkDeletions(call: Caller, label: string, nodes: LiveNode[], started: StartedDeletion[], report: ConsistencyReport): Promise<void> {
  const deadline = Date.now() + 60_000
  for (const [k, deletion] of started.entries()) {
    const node = nodes[k % nodes.length]
    for (;;) {
      const answer = await call(node, 'DescribeInventoryDeletions', { DeletionId: deletion.id })
      const status = answer.json?.InventoryDeletions?.[0]
      if (answer.status !== 200 || !status) {
        report.findings.push(`${label}DescribeInventoryDeletions ${deletion.id} answered ${answer.status} ${answer.json?.__type}`)
        break
      }
      if (status.LastStatus === 'Complete') {
        const summary = status.DeletionSummary
        const versions = new Map<string, number>(summary.SummaryItems.map((v: any) => [v.Version, v.Count]))
        const remaining = summary.SummaryItems.reduce((sum: number, v: any) => sum + v.RemainingCount, 0)
        const same = versions.size === deletion.versions.size && [...versions].every(([v, n]) => deletion.versions.get(v) === n)
        if (summary.TotalCount !== deletion.total || !same || summary.RemainingCount !== 0 || remaining !== 0) {
          report.findings.push(`${label}deletion ${deletion.id} (${deletion.option}) Complete with TotalCount ${summary.TotalCount} (started with ${deletion.total}), versions ${JSON.stringify([...versions])} (started with ${JSON.stringify([...deletion.versions])}), remaining ${summary.RemainingCount}/${remaining}`)
        }
        break
      }
      if (Date.now() > deadline) {
        report.findings.push(`${label}deletion ${deletion.id} still ${status.LastStatus} a minute after the writers stopped (remaining ${status.DeletionSummary?.RemainingCount})`)
        break
      }
      await sleep(50)
    }
  }
  const listed: { DeletionId: string; DeletionStartTime: number }[] = []
  let token: string | undefined
  do {
    const answer = await call(nodes[0], 'DescribeInventoryDeletions', { MaxResults: 50, ...(token ? { NextToken: token } : {}) })
    if (answer.status !== 200) {
      report.findings.push(`${label}listing deletions answered ${answer.status} ${answer.json?.__type}`)
      return
    }
    listed.push(...answer.json.InventoryDeletions)
    token = answer.json.NextToken
  } while (token)
  const ids = listed.map((d) => d.DeletionId)
  const expected = started.map((d) => d.id).reverse()
  if (JSON.stringify(ids) !== JSON.stringify(expected)) {
    report.findings.push(`${label}DescribeInventoryDeletions lists ${ids.length} deletions, ${started.length} were started (or not newest first): ${ids.slice(0, 5).join(', ')}... against ${expected.slice(0, 5).join(', ')}...`)
  }
  // A completed deletion's ClientToken, asked again of any node, returns it and starts nothing;
  // with another option it is refused.
  for (const [k, deletion] of started.entries()) {
    if (k % 4 !== 0) continue
    const node = nodes[k % nodes.length]
    const same = await call(node, 'DeleteInventory', { TypeName: TYPE_NAME, ClientToken: deletion.token, ...(deletion.option === 'data' ? {} : { SchemaDeleteOption: deletion.option }) })
    if (same.status !== 200 || same.json.DeletionId !== deletion.id) report.findings.push(`${label}deletion ${deletion.id}'s ClientToken asked again answered ${same.status} ${same.json?.__type ?? same.json?.DeletionId}`)
    const other = await call(node, 'DeleteInventory', { TypeName: TYPE_NAME, ClientToken: deletion.token, SchemaDeleteOption: deletion.option === 'DeleteSchema' ? 'DisableSchema' : 'DeleteSchema' })
    if (other.json?.__type !== 'InvalidDeleteInventoryParametersException') report.findings.push(`${label}deletion ${deletion.id}'s ClientToken with another option answered ${other.status} ${other.json?.__type ?? other.json?.DeletionId}`)
  }
  const after = await call(nodes[0], 'DescribeInventoryDeletions', { MaxResults: 50 })
  if (after.json?.InventoryDeletions?.[0]?.DeletionId !== expected[0]) report.findings.push('asking old ClientTokens again started a deletion')
}

/** Every node reads every instance as the model allows; GetInventory shows the type where an item is. */
async function checkItems(call: Caller, label: string, nodes: LiveNode[], model: Map<number, Possible[]>, bystanders: Map<number, number[]>, report: ConsistencyReport): Promise<void> {
  const seen = new Map<number, Possible>()
  for (const [n, possible] of model) {
    const read: Possible[] = []
    for (const node of nodes) {
      const answer = await call(node, 'ListInventoryEntries', { InstanceId: instanceId(n), TypeName: TYPE_NAME, MaxResults: 50 })
      let item: Possible = null
      if (answer.status === 200) {
        const entries: { Marker: string }[] = answer.json.Entries ?? []
        const markers = new Set(entries.map((e) => e.Marker))
        if (markers.size > 1) report.findings.push(`${label}${instanceId(n)} holds a torn item (markers ${[...markers].join(', ')})`)
        if (entries.length > 0) item = { marker: Number(entries[0].Marker), version: answer.json.SchemaVersion }
      } else if (answer.json?.__type !== 'InvalidTypeNameException') {
        // A type removed by DeleteSchema (and not put since) is unknown; anything else is a finding.
        report.findings.push(`${label}ListInventoryEntries ${instanceId(n)} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
        continue
      }
      read.push(item)
      const other = await call(node, 'ListInventoryEntries', { InstanceId: instanceId(n), TypeName: BYSTANDER, MaxResults: 50 })
      const otherMarker = Number(other.json?.Entries?.[0]?.Marker ?? 0)
      if (!bystanders.get(n)!.includes(otherMarker)) report.findings.push(`${label}${instanceId(n)} reads ${BYSTANDER} marker ${otherMarker} on ${node.server.url}; the model allows ${bystanders.get(n)!.join(' or ')}`)
      if (item !== null && item.marker !== otherMarker) report.findings.push(`${label}${instanceId(n)}: half a put on ${node.server.url}: ${TYPE_NAME} holds marker ${item.marker}, ${BYSTANDER} ${otherMarker}`)
      const allowed = possible.some((p) => (p === null ? item === null : item !== null && p.marker === item.marker && p.version === item.version))
      if (!allowed) report.findings.push(`${label}${instanceId(n)} reads ${JSON.stringify(item)} on ${node.server.url}; the model allows ${JSON.stringify(possible)}`)
    }
    if (read.length > 1 && read.some((r) => JSON.stringify(r) !== JSON.stringify(read[0]))) report.findings.push(`${label}${instanceId(n)} reads differently on the nodes: ${JSON.stringify(read)}`)
    if (read.length > 0) seen.set(n, read[0])
    report.instancesChecked++
  }
  const withType = new Set<string>()
  let token: string | undefined
  do {
    const answer = await call(nodes[nodes.length - 1], 'GetInventory', { MaxResults: 50, ...(token ? { NextToken: token } : {}) })
    if (answer.status !== 200) {
      report.findings.push(`${label}GetInventory answered ${answer.status} ${answer.json?.__type}`)
      return
    }
    for (const entity of answer.json.Entities) {
      const item = entity.Data?.[TYPE_NAME]
      if (!item) continue
      withType.add(entity.Id)
      const n = Number.parseInt(entity.Id.slice(2), 16)
      const marker = Number(item.Content?.[0]?.Marker)
      if (seen.get(n)?.marker !== marker) report.findings.push(`${label}GetInventory shows ${entity.Id} with marker ${marker}; ListInventoryEntries read ${JSON.stringify(seen.get(n))}`)
    }
    token = answer.json.NextToken
  } while (token)
  for (const [n, item] of seen) if (item !== null && !withType.has(instanceId(n))) report.findings.push(`${label}GetInventory does not show ${TYPE_NAME} of ${instanceId(n)}, which ListInventoryEntries reads`)
}

/** The item of TYPE_NAME one node reads for an instance, by ListInventoryEntries or GetInventory. */
async function readItem(call: Caller, node: LiveNode, n: number, how: 'ListInventoryEntries' | 'GetInventory'): Promise<Possible | 'unknown instance'> {
  if (how === 'ListInventoryEntries') {
    const answer = await call(node, how, { InstanceId: instanceId(n), TypeName: TYPE_NAME, MaxResults: 50 })
    if (answer.status !== 200 && answer.json?.__type === 'InvalidInstanceId') return 'unknown instance'
    // A type removed by DeleteSchema (and not put since) is unknown.
    if (answer.status !== 200 && answer.json?.__type === 'InvalidTypeNameException') return null
    if (answer.status !== 200) throw new Error(`${how} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
    const entries: { Marker: string }[] = answer.json.Entries ?? []
    return entries.length === 0 ? null : { marker: Number(entries[0].Marker), version: answer.json.SchemaVersion }
  }
  const answer = await call(node, how, { Filters: [{ Key: 'AWS:InstanceInformation.InstanceId', Values: [instanceId(n)], Type: 'Equal' }] })
  if (answer.status !== 200) throw new Error(`${how} answered ${answer.status} ${answer.json?.__type}: ${answer.json?.message}`)
  const item = answer.json.Entities?.find((e: any) => e.Id === instanceId(n))?.Data?.[TYPE_NAME]
  return item ? { marker: Number(item.Content[0].Marker), version: item.SchemaVersion } : null
}
