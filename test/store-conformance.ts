/**
 * Behaviour every Store implementation must have: the operations rely on it. Run against
 * each implementation by its own test file (sqlite-store.test.ts; PostgreSQL later).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { NewItem, Partition, PutPlan, Store, TypeRecord } from '../src/store/store.js'

const P: Partition = { account: '111111111111', region: 'eu-west-1' }
const OTHER: Partition = { account: '222222222222', region: 'eu-west-1' }

function newItem(instanceId: string, typeName: string, version: string, entries: number): NewItem {
  const content = Array.from({ length: entries }, (_, i) => ({ Name: `e${i}` }))
  return { instanceId, typeName, schemaVersion: version, captureTime: '2026-01-01T00:00:00Z', contentJson: JSON.stringify(content), entryCount: entries }
}

function typeRecord(typeName: string, version: string, hiddenUpToSeq = 0): TypeRecord {
  return { typeName, version, attributes: [{ Name: 'Name', DataType: 'string' }], state: 'active', hiddenUpToSeq }
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
        assert.deepEqual(await store.countGroup(Q, { conditions: [] }, [item('App', 'Equal', ['a'])]), { total: 3, matching: 2 })
        assert.deepEqual(await store.countGroup(Q, { conditions: [item('Size', 'Exists', ['x'])] }, [item('App', 'Equal', ['b'])]), { total: 2, matching: 1 })
      })
    })
  })
}
