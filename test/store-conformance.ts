/**
 * Behaviour every Store implementation must have: the operations rely on it. Run against
 * each implementation by its own test file (sqlite-store.test.ts; PostgreSQL later).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DeletionRecord, NewItem, Partition, PutPlan, Store, TypeRecord } from '../src/store/store.js'

const P: Partition = { account: '111111111111', region: 'eu-west-1' }
const OTHER: Partition = { account: '222222222222', region: 'eu-west-1' }
const BUSY: Partition = { account: '414141414141', region: 'eu-west-1' }

function newItem(instanceId: string, typeName: string, version: string, entries: number): NewItem {
  const content = Array.from({ length: entries }, (_, i) => ({ Name: `e${i}` }))
  return { instanceId, typeName, schemaVersion: version, captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify(content), entryCount: entries }
}

function typeRecord(typeName: string, version: string, hiddenUpToSeq = 0): TypeRecord {
  return { typeName, version, attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq }
}

/**
 * Puts an instance's items given as entries per type (version 1.0), creating each type at its
 * first item with `attributes`; `details` become the instance record's.
 */
async function putEntries(store: Store, p: Partition, instanceId: string, items: Record<string, Record<string, string>[]>, attributes: string[], details?: Record<string, string>): Promise<void> {
  const names = Object.keys(items)
  await store.putInventory(p, instanceId, names, (ctx) => ({
    types: names.filter((name) => !ctx.types.get(name)).map((typeName) => ({ typeName, version: '1.0', attributes: attributes.map((Name) => ({ Name, DataType: 'string' })), state: 'active', hiddenUpToSeq: 0 })),
    items: names.map((typeName) => ({ instanceId, typeName, schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify(items[typeName]), entryCount: items[typeName].length })),
    subTypes: [], instance: { status: 'Active', details },
  }), 1)
}

async function put(store: Store, p: Partition, instanceId: string, item: NewItem): Promise<void> {
  await store.putInventory(p, instanceId, [item.typeName], (ctx) => {
    const stored = ctx.types.get(item.typeName)
    const plan: PutPlan = { types: [], items: [item], subTypes: [], instance: { status: 'Active' } }
    if (!stored || stored.state !== 'active') plan.types.push(typeRecord(item.typeName, item.schemaVersion, stored?.hiddenUpToSeq ?? 0))
    return plan
  }, 1_000)
}

async function drain(store: Store, deletionId: string, owner: string, batchSize: number): Promise<number> {
  let batches = 0
  for (;;) {
    const result = await store.runDeletionBatch(deletionId, owner, batchSize, 2_000, 60_000)
    assert.ok(result.leaseHeld)
    batches++
    if (result.complete) return batches
  }
}

/**
 * Claims one deletion, though deletions started before it (by earlier tests) come first: those
 * are claimed on the way by owners of their own, and released again.
 */
async function claimThis(store: Store, deletionId: string): Promise<string> {
  const passed: [string, string][] = []
  for (;;) {
    const owner = `claimer-${passed.length}`
    const claimed = await store.claimDeletion(owner, 5_000, 60_000)
    assert.ok(claimed, `${deletionId} could not be claimed`)
    if (claimed === deletionId) {
      for (const [id, holder] of passed) await store.releaseDeletion(id, holder)
      return owner
    }
    passed.push([claimed, owner])
  }
}

export function storeConformance(name: string, open: () => Promise<Store>): void {
  describe(`${name} store conformance`, () => {
    let store: Store
    before(async () => {
      store = await open()
    })
    after(async () => {
      await store.close()
    })

    it('has a stable secret for signing tokens', () => {
      assert.match(store.secret, /^[0-9a-f]{64}$/)
    })

    it('finds what it stored under names that SQL would have to quote or escape', async () => {
      const Q = { account: '121212121212', region: 'eu-west-1' }
      const names = ["Custom:O'Brien", 'Custom:back\\slash', "Custom:\\'; DROP TABLE items; --", 'Custom:$1 $$ $q$', 'Custom:E\'x\'', 'Custom:ünï\u{1F600}']
      for (const [i, typeName] of names.entries()) {
        const instanceId = `i-0000000000000q${String(i).padStart(3, '0')}`
        const decide = (seen: { type?: TypeRecord; hash?: string; instance?: boolean }) => (ctx: Parameters<Parameters<Store['putInventory']>[3]>[0]): PutPlan => {
          seen.type = ctx.types.get(typeName)
          seen.hash = ctx.storedHash(typeName)
          seen.instance = ctx.instance !== undefined
          return {
            types: seen.type ? [] : [typeRecord(typeName, '1.0')],
            items: [{ ...newItem(instanceId, typeName, '1.0', 1), contentHash: `hash of ${typeName}` }],
            subTypes: [],
            instance: { status: 'Active' },
          }
        }
        const first: { type?: TypeRecord; hash?: string; instance?: boolean } = {}
        await store.putInventory(Q, instanceId, [typeName], decide(first), 1)
        assert.deepEqual(first, { type: undefined, hash: undefined, instance: false }, typeName)
        const second: { type?: TypeRecord; hash?: string; instance?: boolean } = {}
        await store.putInventory(Q, instanceId, [typeName], decide(second), 2)
        assert.equal(second.type?.typeName, typeName)
        assert.equal(second.hash, `hash of ${typeName}`)
        assert.equal(second.instance, true, typeName)
      }
      assert.deepEqual((await store.listTypes(Q, undefined, 50)).items.map((t) => t.typeName).sort(), [...names].sort())
    })

    it('writes a put atomically: a decision that throws leaves nothing behind', async () => {
      await assert.rejects(
        store.putInventory(P, 'i-00000000000000001', ['Custom:Atomic'], () => {
          throw new Error('refused')
        }, 1),
        /refused/,
      )
      assert.equal(await store.getInstance(P, 'i-00000000000000001'), undefined)
      assert.equal(await store.getType(P, 'Custom:Atomic'), undefined)
    })

    it('keeps partitions apart', async () => {
      await put(store, P, 'i-00000000000000002', newItem('i-00000000000000002', 'Custom:Mine', '1.0', 3))
      assert.equal((await store.getItem(P, 'i-00000000000000002', 'Custom:Mine'))?.content.length, 3)
      assert.equal(await store.getItem(OTHER, 'i-00000000000000002', 'Custom:Mine'), undefined)
      assert.equal(await store.getType(OTHER, 'Custom:Mine'), undefined)
      assert.equal(await store.getInstance(OTHER, 'i-00000000000000002'), undefined)
      assert.deepEqual((await store.listTypes(OTHER, undefined, 10)).items, [])
    })

    it('pages types by name', async () => {
      for (const t of ['Custom:P1', 'Custom:P2', 'Custom:P3']) await put(store, OTHER, 'i-00000000000000003', newItem('i-00000000000000003', t, '1.0', 1))
      const first = await store.listTypes(OTHER, undefined, 2)
      assert.deepEqual(first.items.map((t) => t.typeName), ['Custom:P1', 'Custom:P2'])
      const second = await store.listTypes(OTHER, first.next, 2)
      assert.deepEqual(second.items.map((t) => t.typeName), ['Custom:P3'])
      assert.equal(second.next, undefined)
    })

    it('deletes in batches with exact per-version counts, resumable by another owner after the lease expires', async () => {
      for (let i = 0; i < 25; i++) {
        const id = `i-${String(100 + i).padStart(17, '0')}`
        await put(store, P, id, newItem(id, 'Custom:Del', i < 10 ? '1.0' : '2.0', 4))
      }
      assert.deepEqual(await store.countItemsByVersion(P, 'Custom:Del'), [
        { Version: '1.0', Count: 10, RemainingCount: 10 },
        { Version: '2.0', Count: 15, RemainingCount: 15 },
      ])
      const deletion = await store.startDeletion(P, { deletionId: 'd-1', typeName: 'Custom:Del', paramsDigest: 'x', now: 1_500 }, () => ({}))
      assert.equal(deletion.totalCount, 25)
      assert.equal(deletion.status, 'InProgress')
      // Hidden at once.
      assert.equal(await store.getItem(P, 'i-00000000000000100', 'Custom:Del'), undefined)
      assert.equal(await store.claimDeletion('a', 2_000, 1_000), 'd-1')
      assert.equal(await store.claimDeletion('b', 2_500, 1_000), undefined, 'a holds the lease')
      const batch = await store.runDeletionBatch('d-1', 'a', 7, 2_000, 1_000)
      assert.deepEqual(batch, { leaseHeld: true, itemsDeleted: 7, entriesDeleted: 28, complete: false })
      // a dies; b takes over after the lease expires and a can no longer write.
      assert.equal(await store.claimDeletion('b', 4_000, 60_000), 'd-1')
      assert.equal((await store.runDeletionBatch('d-1', 'a', 7, 4_000, 1_000)).leaseHeld, false)
      await drain(store, 'd-1', 'b', 7)
      const done = (await store.getDeletion(P, 'd-1'))!
      assert.equal(done.status, 'Complete')
      assert.equal(done.remainingCount, 0)
      assert.equal(done.entriesDeleted, 100)
      assert.deepEqual(done.versions.map((v) => v.RemainingCount), [0, 0])
      assert.deepEqual(await store.countItemsByVersion(P, 'Custom:Del'), [])
      assert.equal(await store.getDeletion(OTHER, 'd-1'), undefined)
    })

    it('counts a put that replaces a pending item as deleted, and keeps the new item', async () => {
      for (let i = 0; i < 5; i++) {
        const id = `i-${String(200 + i).padStart(17, '0')}`
        await put(store, P, id, newItem(id, 'Custom:Race', '1.0', 2))
      }
      await store.startDeletion(P, { deletionId: 'd-2', typeName: 'Custom:Race', paramsDigest: 'x', now: 1_500 }, () => ({}))
      await put(store, P, 'i-00000000000000200', newItem('i-00000000000000200', 'Custom:Race', '1.0', 9))
      assert.equal((await store.getDeletion(P, 'd-2'))!.remainingCount, 4)
      assert.equal(await store.claimDeletion('c', 5_000, 60_000), 'd-2')
      await drain(store, 'd-2', 'c', 2)
      const done = (await store.getDeletion(P, 'd-2'))!
      assert.equal(done.remainingCount, 0)
      assert.equal(done.totalCount, 5)
      assert.equal((await store.getItem(P, 'i-00000000000000200', 'Custom:Race'))?.content.length, 9)
      assert.equal(await store.getItem(P, 'i-00000000000000201', 'Custom:Race'), undefined)
    })

    it('replays a deletion for its client token and lists deletions newest first', async () => {
      await put(store, P, 'i-00000000000000300', newItem('i-00000000000000300', 'Custom:Tok', '1.0', 1))
      const decide = (ctx: any) => (ctx.sameToken ? { replay: ctx.sameToken.deletion } : {})
      const first = await store.startDeletion(P, { deletionId: 'd-3', typeName: 'Custom:Tok', clientToken: 't', paramsDigest: 'x', now: 3_000 }, decide)
      const again = await store.startDeletion(P, { deletionId: 'd-4', typeName: 'Custom:Tok', clientToken: 't', paramsDigest: 'x', now: 3_001 }, decide)
      assert.equal(again.deletionId, first.deletionId)
      const page = await store.listDeletions(P, undefined, 2)
      assert.deepEqual(page.items.map((d) => d.deletionId), ['d-3', 'd-2'])
      const rest = await store.listDeletions(P, page.next, 10)
      assert.deepEqual(rest.items.map((d) => d.deletionId), ['d-1'])
      assert.equal(rest.next, undefined)
    })

    it('purges Complete deletions older than the retention', async () => {
      assert.equal(await store.purgeDeletions(1_000_000), 2)
      assert.equal(await store.getDeletion(P, 'd-1'), undefined)
      assert.ok(await store.getDeletion(P, 'd-3'), 'in progress deletions are kept')
    })

    it('reports the deletions in progress and the size of the stored data (for metrics)', async () => {
      const inProgress = (await store.listDeletions(P, undefined, 50)).items.filter((d) => d.status === 'InProgress').length
      assert.ok(inProgress >= 1)
      assert.equal(await store.countDeletionsInProgress(), inProgress + (await store.listDeletions(OTHER, undefined, 50)).items.filter((d) => d.status === 'InProgress').length)
      assert.ok((await store.sizeBytes()) > 0)
      await store.ping()
    })

    it('counts exactly the items there are when a deletion starts while puts of its type go on', async () => {
      // Both stores count the items before the deletion's transaction (SQLite on a query thread,
      // PostgreSQL in a snapshot of its own) and must notice the puts that land in between. The
      // DeletionSummary is what the type held at the cutoff: puts before it are counted (and
      // deleted), puts after it are not (and stay).
      const original = 120
      for (let round = 1; round <= 3; round++) {
        const typeName = `Custom:Busy${round}`
        const idOf = (n: number) => `i-${String(round * 100_000 + n).padStart(17, '0')}`
        for (let i = 0; i < original; i++) await put(store, BUSY, idOf(i), newItem(idOf(i), typeName, '1.0', 1))
        const added: string[] = []
        const replaced: string[] = []
        let stop = false
        const putting = (async () => {
          for (let n = 0; !stop; n++) {
            // New instances of version 2.0, and original items replaced by version 2.0.
            const replacing = n % 2 === 1 && (n - 1) / 2 < original
            const id = replacing ? idOf((n - 1) / 2) : idOf(original + n)
            await put(store, BUSY, id, newItem(id, typeName, '2.0', 1))
            ;(replacing ? replaced : added).push(id)
          }
        })()
        let deletion: DeletionRecord
        try {
          await new Promise((resolve) => setTimeout(resolve, 5 * round))
          deletion = await store.startDeletion(BUSY, { deletionId: `d-busy-${round}`, typeName, paramsDigest: 'x', now: 1_500 }, () => ({}))
        } finally {
          stop = true
          await putting
        }
        await drain(store, deletion.deletionId, await claimThis(store, deletion.deletionId), 50)
        // What is left is what was put after the cutoff.
        const visible = async (ids: string[]) => (await Promise.all(ids.map((id) => store.getItem(BUSY, id, typeName)))).filter((item) => item !== undefined).length
        const addedBefore = added.length - (await visible(added))
        const replacedBefore = replaced.length - (await visible(replaced))
        assert.ok(added.length > 0, 'puts went on while the deletion started')
        // A version none of whose items is left (every original replaced before the cutoff) is not listed.
        assert.deepEqual(deletion.versions, [
          ...(original - replacedBefore > 0 ? [{ Version: '1.0', Count: original - replacedBefore, RemainingCount: original - replacedBefore }] : []),
          ...(addedBefore + replacedBefore > 0 ? [{ Version: '2.0', Count: addedBefore + replacedBefore, RemainingCount: addedBefore + replacedBefore }] : []),
        ], `round ${round}: ${added.length} added, ${replaced.length} replaced`)
        assert.equal(deletion.totalCount, original + addedBefore)
        const done = (await store.getDeletion(BUSY, deletion.deletionId))!
        assert.equal(done.status, 'Complete')
        assert.equal(done.remainingCount, 0)
      }
    })

    describe('inventory queries', () => {
      const Q = { account: '333333333333', region: 'eu-west-1' }
      const entries = (values: Record<string, string>[]): NewItem => ({
        instanceId: '', typeName: 'Custom:Q', schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify(values), entryCount: values.length,
      })
      before(async () => {
        const fleet: [string, Record<string, string>[], string][] = [
          ['i-00000000000000q01', [{ App: 'a', Size: '9' }, { App: 'b', Size: '10' }], 'Linux'],
          ['i-00000000000000q02', [{ App: 'a', Size: '100' }], 'Windows'],
          ['i-00000000000000q03', [{ App: 'c' }], 'Linux'],
        ]
        for (const [id, values, platform] of fleet) {
          await store.putInventory(Q, id, ['Custom:Q'], (ctx) => ({
            types: ctx.types.get('Custom:Q') ? [] : [{ typeName: 'Custom:Q', version: '1.0', attributes: [{ Name: 'App', DataType: 'string' }, { Name: 'Size', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
            items: [{ ...entries(values), instanceId: id }], subTypes: [], instance: { status: 'Active', details: { PlatformType: platform } },
          }), 1)
        }
        await put(store, OTHER, 'i-00000000000000q01', newItem('i-00000000000000q01', 'Custom:Q', '1.0', 1))
      })
      const item = (attribute: string, operator: any, values: string[]) => ({ source: 'item' as const, typeName: 'Custom:Q', attribute, operator, values })
      const ids = async (...conditions: any[]) => (await store.queryInventoryPage(Q, { conditions }, undefined, 50)).instances.map((i) => i.instanceId.slice(-3))

      it('pages instances in id order with their visible documents, in one partition', async () => {
        const first = await store.queryInventoryPage(Q, { conditions: [] }, undefined, 2)
        assert.deepEqual(first.instances.map((i) => i.instanceId.slice(-3)), ['q01', 'q02'])
        assert.equal(first.next, 'i-00000000000000q02')
        assert.deepEqual(first.documents.map((d) => [d.instanceId.slice(-3), d.typeName, JSON.parse(d.contentJson).length]), [['q01', 'Custom:Q', 2], ['q02', 'Custom:Q', 1]])
        const rest = await store.queryInventoryPage(Q, { conditions: [] }, first.next, 2)
        assert.deepEqual(rest.instances.map((i) => i.instanceId.slice(-3)), ['q03'])
        assert.equal(rest.next, undefined)
        assert.deepEqual((await store.queryInventoryPage(Q, { conditions: [] }, undefined, 5, 'Custom:Other')).documents, [])
      })

      it('evaluates every operator on entries and on instance records', async () => {
        assert.deepEqual(await ids(item('App', 'Equal', ['a', 'z'])), ['q01', 'q02'])
        assert.deepEqual(await ids(item('App', 'NotEqual', ['a'])), ['q01', 'q03'])
        assert.deepEqual(await ids(item('App', 'BeginWith', ['c', 'b'])), ['q01', 'q03'])
        assert.deepEqual(await ids(item('Size', 'LessThan', ['50'])), ['q01'], 'numbers compare as numbers')
        assert.deepEqual(await ids(item('Size', 'GreaterThan', ['9'])), ['q01', 'q02'])
        assert.deepEqual(await ids(item('Size', 'Exists', ['x'])), ['q01', 'q02'])
        assert.deepEqual(await ids({ source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'PlatformType', operator: 'Equal', values: ['Linux'] }), ['q01', 'q03'])
        assert.deepEqual(await ids({ source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'InstanceId', operator: 'Equal', values: ['i-00000000000000q02'] }), ['q02'])
        assert.deepEqual(await ids(item('App', 'Equal', ['a']), { source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'PlatformType', operator: 'Equal', values: ['Linux'] }), ['q01'])
      })

      it('aggregates distinct instances per value and counts groups', async () => {
        const rows = await store.aggregate(Q, { conditions: [] }, [{ source: 'item', typeName: 'Custom:Q', attribute: 'App' }])
        assert.deepEqual(rows, [{ values: ['a'], instances: 2 }, { values: ['b'], instances: 1 }, { values: ['c'], instances: 1 }])
        const nested = await store.aggregate(Q, { conditions: [] }, [
          { source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'PlatformType' },
          { source: 'item', typeName: 'Custom:Q', attribute: 'App' },
        ])
        assert.deepEqual(nested.map((r) => [...r.values, r.instances]), [['Linux', 'a', 1], ['Linux', 'b', 1], ['Linux', 'c', 1], ['Windows', 'a', 1]])
        // With a limit, the first combinations in order.
        assert.deepEqual(await store.aggregate(Q, { conditions: [] }, [{ source: 'item', typeName: 'Custom:Q', attribute: 'App' }], 2), [{ values: ['a'], instances: 2 }, { values: ['b'], instances: 1 }])
        assert.deepEqual(await store.countGroup(Q, { conditions: [] }, [item('App', 'Equal', ['a'])]), { total: 3, matching: 2 })
        assert.deepEqual(await store.countGroup(Q, { conditions: [item('Size', 'Exists', ['x'])] }, [item('App', 'Equal', ['b'])]), { total: 2, matching: 1 })
      })
    })

    describe('a GetInventory page past its content budget', () => {
      const B = { account: '191919191919', region: 'eu-west-1' }
      /** An item whose content is exactly `chars` characters of JSON. */
      const sized = (instanceId: string, typeName: string, chars: number): NewItem => ({
        instanceId, typeName, schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify([{ V: 'x'.repeat(chars - 10) }]), entryCount: 1,
      })
      before(async () => {
        for (const item of [sized('i-00000000000000b01', 'Custom:A', 100), sized('i-00000000000000b01', 'Custom:B', 100), sized('i-00000000000000b02', 'Custom:A', 300),
          sized('i-00000000000000b03', 'Custom:A', 50), sized('i-00000000000000b05', 'Custom:A', 50)]) {
          await put(store, B, item.instanceId, item)
        }
      })
      const page = async (after: string | undefined, limit: number, budget: number, options: { typeName?: string; conditions?: any[] } = {}) => {
        const result = await store.queryInventoryPage(B, { conditions: options.conditions ?? [] }, after, limit, options.typeName, budget)
        return {
          instances: result.instances.map((i) => i.instanceId.slice(-3)),
          documents: result.documents.map((d) => `${d.instanceId.slice(-3)} ${d.typeName} ${d.contentJson.length}`),
          next: result.next?.slice(-3),
        }
      }

      it('ends after the instance during which the content reached the budget, and the next page goes on from there', async () => {
        for (const conditions of [[], [{ source: 'item', typeName: 'Custom:A', attribute: 'V', operator: 'Exists', values: ['x'] }]]) {
          // b01 (200) is under 250, b02 (300 more) reaches it: b03 starts the next page.
          assert.deepEqual(await page(undefined, 50, 250, { conditions }), {
            instances: ['b01', 'b02'], documents: ['b01 Custom:A 100', 'b01 Custom:B 100', 'b02 Custom:A 300'], next: 'b02',
          })
          assert.deepEqual(await page('i-00000000000000b02', 50, 250, { conditions }), {
            instances: ['b03', 'b05'], documents: ['b03 Custom:A 50', 'b05 Custom:A 50'], next: undefined,
          })
        }
        // MaxResults still ends a page first.
        assert.deepEqual((await page(undefined, 1, 250)).next, 'b01')
        // Without a budget, or a large one, nothing is cut.
        const all = await store.queryInventoryPage(B, { conditions: [] }, undefined, 50)
        assert.deepEqual([all.instances.length, all.documents.length, all.next], [4, 5, undefined])
      })

      it('holds at least one whole instance, however large, and counts only the documents it returns', async () => {
        assert.deepEqual(await page(undefined, 50, 10), { instances: ['b01'], documents: ['b01 Custom:A 100', 'b01 Custom:B 100'], next: 'b01' })
        assert.deepEqual(await page('i-00000000000000b01', 50, 10), { instances: ['b02'], documents: ['b02 Custom:A 300'], next: 'b02' })
        // Only Custom:B's item is returned (100 characters): no cut.
        assert.deepEqual(await page(undefined, 50, 150, { typeName: 'Custom:B' }), { instances: ['b01', 'b02', 'b03', 'b05'], documents: ['b01 Custom:B 100'], next: undefined })
      })
    })

    describe('empty values and prefixes', () => {
      const EMPTY = { account: '888888888888', region: 'eu-west-1' }
      before(async () => {
        for (const [n, entry] of ([{ V: '' }, { V: 'x' }, { W: 'y' }] as Record<string, string>[]).entries()) {
          const id = `i-00000000000000e0${n}`
          await putEntries(store, EMPTY, id, { 'Custom:E': [entry] }, ['V', 'W'])
        }
      })
      const matching = async (operator: string, values: string[]) =>
        (await store.queryInventoryPage(EMPTY, { conditions: [{ source: 'item', typeName: 'Custom:E', attribute: 'V', operator: operator as any, values }] }, undefined, 50))
          .instances.map((i) => i.instanceId.slice(-2))

      it('treats an empty value as a value and an empty prefix as the prefix of every value', async () => {
        assert.deepEqual(await matching('BeginWith', ['']), ['00', '01'])
        assert.deepEqual(await matching('BeginWith', ['x', '']), ['00', '01'])
        assert.deepEqual(await matching('BeginWith', ['x']), ['01'])
        assert.deepEqual(await matching('Equal', ['']), ['00'])
        assert.deepEqual(await matching('NotEqual', ['']), ['01', '02'])
        assert.deepEqual(await matching('Exists', []), ['00', '01'])
        assert.deepEqual(await matching('LessThan', ['a']), ['00'])
        assert.deepEqual(await matching('GreaterThan', ['']), ['01'])
      })
    })

    describe('a page with more items than one read takes', () => {
      const MANY = { account: '454545454545', region: 'eu-west-1' }
      const types = ['Custom:M1', 'Custom:M2', 'Custom:M3']
      // 31 instances, every fourth with all three types, the others lacking one in turn: 70
      // items, read in batches on PostgreSQL (40 rows first). Unfiltered, the first batch ends
      // inside an instance (the 18th); filtered on M2, after one (the 17th).
      const ids = Array.from({ length: 31 }, (_, n) => `i-00000000000000m${String(n).padStart(2, '0')}`)
      const typesOf = (n: number) => (n % 4 === 0 ? types : types.filter((_, t) => t !== n % 3))
      const expected = ids.flatMap((id, n) => typesOf(n).map((typeName) => `${id.slice(-3)} ${typeName}`))
      before(async () => {
        for (const [n, id] of ids.entries()) {
          await putEntries(store, MANY, id, Object.fromEntries(typesOf(n).map((typeName) => [typeName, [{ N: `${id}/${typeName}` }]])), ['N'])
        }
      })

      it('returns every item once, in instance then type order, and each with its own content', async () => {
        for (const conditions of [[], [{ source: 'item' as const, typeName: 'Custom:M2', attribute: 'N', operator: 'Exists' as const, values: [] }]]) {
          const page = await store.queryInventoryPage(MANY, { conditions }, undefined, 50)
          const listed = page.instances.map((i) => i.instanceId.slice(-3))
          assert.deepEqual(listed, ids.filter((_, n) => conditions.length === 0 || typesOf(n).includes('Custom:M2')).map((id) => id.slice(-3)))
          assert.deepEqual(page.documents.map((d) => `${d.instanceId.slice(-3)} ${d.typeName}`), expected.filter((key) => listed.includes(key.slice(0, 3))))
          for (const d of page.documents) assert.deepEqual(JSON.parse(d.contentJson), [{ N: `${d.instanceId}/${d.typeName}` }])
          assert.equal(page.next, undefined)
        }
        const second = await store.queryInventoryPage(MANY, { conditions: [] }, 'i-00000000000000m14', 50, 'Custom:M3')
        assert.deepEqual(second.documents.map((d) => `${d.instanceId.slice(-3)} ${d.typeName}`), expected.filter((key) => key.slice(1, 3) > '14' && key.endsWith('M3')))
      })
    })

    describe('aggregation over entries that repeat a combination', () => {
      const DUP = { account: '676767676767', region: 'eu-west-1' }
      const fleet: [string, Record<string, Record<string, string>[]>, string][] = [
        ['i-00000000000000d01', { 'Custom:D1': [{ A: 'x', B: '1' }, { A: 'x', B: '1' }, { A: 'x', B: '2' }, { A: 'y' }], 'Custom:D2': [{ C: 'p' }, { C: 'p' }, { C: 'q' }] }, 'L'],
        ['i-00000000000000d02', { 'Custom:D1': [{ A: 'x', B: '1' }], 'Custom:D2': [{ C: 'p' }] }, 'L'],
        ['i-00000000000000d03', { 'Custom:D1': [{ A: 'x' }] }, 'W'],
      ]
      before(async () => {
        for (const [id, items, platform] of fleet) await putEntries(store, DUP, id, items, ['A', 'B', 'C'], { Platform: platform })
      })
      const entry = (typeName: string, attribute: string) => ({ source: 'item' as const, typeName, attribute })
      const counts = async (keys: any[], limit?: number) =>
        (await store.aggregate(DUP, { conditions: [] }, keys, limit)).map((row) => `${row.values.join('/')}=${row.instances}`)

      it('counts an instance once per combination, however many of its entries hold it', async () => {
        assert.deepEqual(await counts([entry('Custom:D1', 'A')]), ['x=3', 'y=1'])
        // Both attributes from one entry; entries without B count for no combination.
        assert.deepEqual(await counts([entry('Custom:D1', 'A'), entry('Custom:D1', 'B')]), ['x/1=2', 'x/2=1'])
        const platform = { source: 'instance' as const, typeName: 'AWS:InstanceInformation', attribute: 'Platform' }
        const threeKeys = [platform, entry('Custom:D1', 'A'), entry('Custom:D2', 'C')]
        assert.deepEqual(await counts(threeKeys), ['L/x/p=2', 'L/x/q=1', 'L/y/p=1', 'L/y/q=1'])
        assert.deepEqual(await counts(threeKeys, 2), ['L/x/p=2', 'L/x/q=1'])
        assert.deepEqual(await counts([entry('Custom:D2', 'C'), platform]), ['p/L=2', 'q/L=1'])
      })
    })

    // Filters look for the text of `"Attribute":"value"` in the stored document before parsing it
    // (content-needles.ts): values and names whose JSON text has escapes must still match exactly.
    describe('filters on values and names that JSON escapes', () => {
      const ESC = { account: '565656565656', region: 'eu-west-1' }
      const entries: Record<string, string>[] = [
        { V: 'say "hi"', 'K"q': 'x' },
        { V: 'back\\slash', W: 'tab\there' },
        { V: 'nul\u0000one\u0001', W: '\u00e9\u{1F600}' },
        { V: 'plain', W: 'V' },
        { V: 'line\nbreak\u001f' },
      ]
      before(async () => {
        for (const [n, entry] of entries.entries()) {
          const id = `i-00000000000000x0${n}`
          await putEntries(store, ESC, id, { 'Custom:Esc': [entry] }, ['V', 'W', 'K"q'])
        }
      })
      const matching = async (attribute: string, operator: string, values: string[]) => {
        const condition = { source: 'item' as const, typeName: 'Custom:Esc', attribute, operator: operator as any, values }
        const page = (await store.queryInventoryPage(ESC, { conditions: [condition] }, undefined, 50)).instances.map((i) => Number(i.instanceId.slice(-1)))
        const { matching: counted } = await store.countGroup(ESC, { conditions: [] }, [condition])
        assert.equal(counted, page.length, `countGroup agrees with the page for ${attribute} ${operator} ${JSON.stringify(values)}`)
        return page
      }

      it('finds every value exactly, whatever its JSON text', async () => {
        for (const [n, entry] of entries.entries()) {
          for (const [attribute, value] of Object.entries(entry)) {
            assert.deepEqual(await matching(attribute, 'Equal', [value]), [n], `${attribute} = ${JSON.stringify(value)}`)
            assert.deepEqual(await matching(attribute, 'BeginWith', [value]), [n], `${attribute} begins with ${JSON.stringify(value)}`)
            for (let cut = 1; cut < value.length; cut++) {
              if (/[\ud800-\udbff]/.test(value[cut - 1])) continue // half a surrogate pair is not a prefix a request can carry
              assert.ok((await matching(attribute, 'BeginWith', [value.slice(0, cut)])).includes(n), `${attribute} begins with ${JSON.stringify(value.slice(0, cut))}`)
            }
          }
        }
        assert.deepEqual(await matching('K"q', 'Exists', []), [0])
        assert.deepEqual(await matching('W', 'Exists', []), [1, 2, 3])
        assert.deepEqual(await matching('V', 'Equal', ['plain', 'nul\u0000one\u0001', 'none']), [2, 3])
      })

      it('does not take a value found elsewhere in the document for a match', async () => {
        // "V" is a name and W's value in entry 3; 'hi' and 'x' are inside other values.
        assert.deepEqual(await matching('W', 'Equal', ['plain']), [])
        assert.deepEqual(await matching('V', 'Equal', ['V', 'hi', 'say ', 'x']), [])
        assert.deepEqual(await matching('V', 'BeginWith', ['hi', 'slash']), [])
        assert.deepEqual(await matching('V', 'Equal', ['nul\u0000one']), [])
        assert.deepEqual(await matching('V', 'Equal', ['nul\u0001one\u0001']), [])
        assert.deepEqual(await matching('V', 'Equal', ['line\\nbreak\u001f']), [], 'the escape\'s own text is not the value')
        assert.deepEqual(await matching('K', 'Exists', []), [])
      })
    })

    describe('LessThan and GreaterThan on values too long or too large for a double', () => {
      const NUM = { account: '777777777777', region: 'eu-west-1' }
      const values = ['5', '1e99', '12345678901234567890.5', '1e400', '-1e-400', `1${'0'.repeat(25)}`, '\ufffd', '\u{1F600}']
      before(async () => {
        for (const [n, value] of values.entries()) {
          const id = `i-00000000000000u0${n}`
          await putEntries(store, NUM, id, { 'Custom:Num': [{ Size: value }] }, ['Size'])
        }
      })
      const matching = async (operator: 'LessThan' | 'GreaterThan', value: string) =>
        (await store.queryInventoryPage(NUM, { conditions: [{ source: 'item', typeName: 'Custom:Num', attribute: 'Size', operator, values: [value] }] }, undefined, 50))
          .instances.map((i) => values[Number(i.instanceId.slice(-1))])

      it('compares numbers of up to 20 digits and a two-digit exponent as numbers, anything longer as text', async () => {
        assert.deepEqual(await matching('GreaterThan', '3'), ['5', '1e99', '12345678901234567890.5', '\ufffd', '\u{1F600}'])
        // Numbers against 1e50, the others as text ('1e400' < '1e50' as text).
        assert.deepEqual(await matching('LessThan', '1e50'), ['5', '12345678901234567890.5', '1e400', '-1e-400', `1${'0'.repeat(25)}`])
        // 12345678901234567890.4 and .5 are the same double; '1e400' > '123...' as text.
        assert.deepEqual(await matching('GreaterThan', '12345678901234567890.4'), ['1e99', '1e400', '\ufffd', '\u{1F600}'])
        assert.deepEqual(await matching('LessThan', '1e400'), ['12345678901234567890.5', '-1e-400', `1${'0'.repeat(25)}`])
        assert.deepEqual(await matching('GreaterThan', '-1e-400'), values.filter((v) => v !== '-1e-400'))
      })

      it('orders text by code point, as SQL does, not by UTF-16 unit (U+1F600 is a surrogate pair)', async () => {
        assert.deepEqual(await matching('GreaterThan', '\ufffd'), ['\u{1F600}'])
        assert.deepEqual(await matching('LessThan', '\u{1F600}'), values.slice(0, -1))
      })
    })

    describe('strings with U+0000 and U+0001 (PostgreSQL text cannot hold U+0000)', () => {
      const N = { account: '444444444444', region: 'eu-west-1' }
      const T = 'Custom:Nul\u0000Type'
      // A literal backslash followed by u0000: text, not the character.
      const LITERAL = 'lit \\u0000 text'
      const fleet: [string, Record<string, string>[], Record<string, string>, string][] = [
        ['i-00000000000000n01', [{ V: 'a\u0000b', 'K\u0000': 'x' }, { V: LITERAL }], { Agent: 'x\u0000y' }, 'Stopped\u0000'],
        ['i-00000000000000n02', [{ V: 'a\u0001' }], { Agent: 'x\u0001' }, 'Active'],
        ['i-00000000000000n03', [{ V: 'a', K: 'k' }], { Agent: 'x' }, 'Active'],
        ['i-00000000000000n04', [{ V: 'a\u0001\u0002' }], { Agent: 'x\u0001\u0002' }, 'Active'],
      ]
      const hashes: (string | undefined)[] = []
      before(async () => {
        for (const [id, values, details, status] of fleet) {
          await store.putInventory(N, id, [T], (ctx) => {
            hashes.push(ctx.storedHash(T))
            return {
              types: ctx.types.get(T) ? [] : [{ typeName: T, version: '1.0', attributes: [{ Name: 'V', DataType: 'string' }, { Name: 'K\u0000', DataType: 'string' }, { Name: 'K', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
              items: [{ instanceId: id, typeName: T, schemaVersion: '1.0', captureTime: '2026-01-01T00:00:00Z', contentHash: 'h\u0000\u0001', contentJson: JSON.stringify(values), entryCount: values.length }],
              subTypes: ctx.types.get(T) ? [] : [{ typeName: T, subType: 'S\u0001' }, { typeName: T, subType: 'S' }, { typeName: T, subType: 'S\u0000' }],
              instance: { status, details },
            }
          }, 1)
        }
        for (const name of ['Custom:Nul\u0001', 'Custom:Nul']) await put(store, N, 'i-00000000000000n01', newItem('i-00000000000000n01', name, '1.0', 1))
        // The same instance and type again: the stored ContentHash must come back exactly.
        await store.putInventory(N, 'i-00000000000000n01', [T], (ctx) => {
          hashes.push(ctx.storedHash(T))
          return { types: [], items: [], subTypes: [], instance: { status: 'Stopped\u0000', details: { Agent: 'x\u0000y' } } }
        }, 2)
      })
      const v = (operator: any, values: string[]) => ({ source: 'item' as const, typeName: T, attribute: 'V', operator, values })
      const agent = (operator: any, values: string[]) => ({ source: 'instance' as const, typeName: 'AWS:InstanceInformation', attribute: 'Agent', operator, values })
      const ids = async (...conditions: any[]) => (await store.queryInventoryPage(N, { conditions }, undefined, 50)).instances.map((i) => i.instanceId.slice(-3))

      it('keeps them exactly in types, items, hashes, sub-types and instance records', async () => {
        const item = await store.getItem(N, 'i-00000000000000n01', T)
        assert.deepEqual(item?.content, fleet[0][1])
        assert.equal(item?.contentHash, 'h\u0000\u0001')
        assert.equal(hashes.at(-1), 'h\u0000\u0001')
        const page = await store.queryInventoryPage(N, { conditions: [] }, undefined, 50, T)
        assert.deepEqual(page.documents.map((d) => [d.typeName, JSON.parse(d.contentJson)]), fleet.map(([, values]) => [T, values]))
        // The text JSON.stringify wrote, exactly: GetInventory writes it out unparsed (instanceInformationJson).
        assert.deepEqual(page.instances.map((i) => [i.status, i.detailsJson]), fleet.map(([, , details, status]) => [status, JSON.stringify(details)]))
        assert.deepEqual((await store.getInstance(N, 'i-00000000000000n04'))?.details, { Agent: 'x\u0001\u0002' })
        assert.deepEqual((await store.getType(N, T))?.attributes.map((a) => a.Name), ['V', 'K\u0000', 'K'])
        assert.deepEqual(await store.listSubTypes(N, T), ['S', 'S\u0000', 'S\u0001'])
        assert.deepEqual(await store.countItemsByVersion(N, T), [{ Version: '1.0', Count: 4, RemainingCount: 4 }])
      })

      it('keeps sub-types as long as a ComplianceType value may be (4,096 characters)', async () => {
        const LONG = { account: '666666666666', region: 'eu-west-1' }
        // Incompressible, three bytes per character in UTF-8.
        let long = ''
        for (let i = 0; i < 4096; i++) long += String.fromCharCode(0x4e00 + ((i * 7919) % 20000))
        const twin = `${long.slice(0, 4095)}x`
        for (const subType of [long, twin, long]) {
          await store.putInventory(LONG, 'i-00000000000000n05', ['Custom:Long'], (ctx) => ({
            types: ctx.types.get('Custom:Long') ? [] : [{ typeName: 'Custom:Long', version: '1.0', attributes: [{ Name: 'K', DataType: 'string' }], state: 'active', hiddenUpToSeq: 0 }],
            items: [], subTypes: ctx.subTypes('Custom:Long').has(subType) ? [] : [{ typeName: 'Custom:Long', subType }], instance: { status: 'Active' },
          }), 3)
        }
        assert.deepEqual(await store.listSubTypes(LONG, 'Custom:Long'), [long, twin].sort())
      })

      it('orders and pages type names by code point', async () => {
        const names: string[] = []
        let after: string | undefined
        do {
          const page = await store.listTypes(N, after, 1)
          names.push(...page.items.map((t) => t.typeName))
          after = page.next
        } while (after !== undefined)
        assert.deepEqual(names, ['Custom:Nul', T, 'Custom:Nul\u0001'])
      })

      it('compares, matches prefixes and orders them as code points', async () => {
        assert.deepEqual(await ids(v('Equal', ['a\u0000b'])), ['n01'])
        assert.deepEqual(await ids(v('Equal', ['a\u0001'])), ['n02'])
        assert.deepEqual(await ids(v('Equal', ['a\u0001\u0002'])), ['n04'])
        assert.deepEqual(await ids(v('Equal', [LITERAL])), ['n01'])
        assert.deepEqual(await ids(v('Equal', ['a\u0000'])), [])
        assert.deepEqual(await ids(v('NotEqual', ['a', 'a\u0001'])), ['n01', 'n04'])
        assert.deepEqual(await ids(v('BeginWith', ['a\u0000'])), ['n01'])
        assert.deepEqual(await ids(v('BeginWith', ['a\u0001'])), ['n02', 'n04'])
        assert.deepEqual(await ids(v('LessThan', ['a\u0001'])), ['n01', 'n03'])
        assert.deepEqual(await ids(v('GreaterThan', ['a\u0000b'])), ['n01', 'n02', 'n04'])

        // Attribute names that differ after a U+0000 are different attributes.
        assert.deepEqual(await ids({ source: 'item', typeName: T, attribute: 'K\u0000', operator: 'Exists', values: [] }), ['n01'])
        assert.deepEqual(await ids({ source: 'item', typeName: T, attribute: 'K', operator: 'Exists', values: [] }), ['n03'])
        assert.deepEqual(await ids({ source: 'item', typeName: T, attribute: 'K\u0000', operator: 'Equal', values: ['x'] }), ['n01'])
        assert.deepEqual(await ids({ source: 'item', typeName: T, attribute: 'K', operator: 'Equal', values: ['x'] }), [])
        assert.deepEqual(await ids(agent('Equal', ['x\u0000y'])), ['n01'])
        assert.deepEqual(await ids(agent('BeginWith', ['x\u0001'])), ['n02', 'n04'])
        assert.deepEqual(await ids({ source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'InstanceStatus', operator: 'Equal', values: ['Stopped\u0000'] }), ['n01'])
        assert.deepEqual(await store.countGroup(N, { conditions: [] }, [v('BeginWith', ['a\u0000', 'a\u0001'])]), { total: 4, matching: 3 })
      })

      it('aggregates them as distinct values in code-point order', async () => {
        const rows = await store.aggregate(N, { conditions: [] }, [{ source: 'item', typeName: T, attribute: 'V' }])
        assert.deepEqual(rows.map((r) => r.values[0]), ['a', 'a\u0000b', 'a\u0001', 'a\u0001\u0002', LITERAL])
        const byAgent = await store.aggregate(N, { conditions: [] }, [{ source: 'instance', typeName: 'AWS:InstanceInformation', attribute: 'Agent' }])
        assert.deepEqual(byAgent.map((r) => [r.values[0], r.instances]), [['x', 1], ['x\u0000y', 1], ['x\u0001', 1], ['x\u0001\u0002', 1]])
        const byKey = await store.aggregate(N, { conditions: [] }, [{ source: 'item', typeName: T, attribute: 'K' }])
        assert.deepEqual(byKey, [{ values: ['k'], instances: 1 }])
      })
    })
  })
}
