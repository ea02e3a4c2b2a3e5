import { startServerProcess, removeDir } from './test/support/server-process.js'
import { rawCall, instanceId } from './test/support/clients.js'
import { execSync } from 'node:child_process'
const N = Number(process.env.N ?? 50000), TYPES = 3, ENTRIES = 10
const server = await startServerProcess({ args: (process.env.ARGS ?? '').split(' ').filter(Boolean) })
const url = server.url
const rss = () => { try { return Math.round(Number(execSync(`ps -o rss= -p ${server.child.pid}`).toString()) / 1024) } catch { return -1 } }
let maxRss = 0; const rssTimer = setInterval(() => { maxRss = Math.max(maxRss, rss()) }, 200)
async function call(op, body) { const r = await rawCall(url, 'AmazonSSM.' + op, body, {}, 600000); if (r.status !== 200) throw new Error(op + ' ' + r.status + ' ' + r.text.slice(0, 300)); return r.json }
const t0 = Date.now()
let next = 0
async function worker() { while (true) { const i = next++; if (i >= N) return
  const items = []
  for (let t = 0; t < TYPES; t++) items.push({ TypeName: `Custom:T${t}`, SchemaVersion: '1.0', CaptureTime: '2026-11-01T10:00:00Z', Content: Array.from({ length: ENTRIES }, (_, e) => ({ Name: `n${e}`, Rank: String((i * 7 + e) % 1000), Env: i % 100 === 0 ? 'rare' : 'common' })) })
  await call('PutInventory', { InstanceId: instanceId(i), Items: items }) } }
await Promise.all(Array.from({ length: 16 }, worker))
console.log(`ingest ${N} instances: ${Date.now() - t0} ms, rss ${rss()} MiB`)
async function timed(label, fn) { const s = performance.now(); const r = await fn(); console.log(label, (performance.now() - s).toFixed(1), 'ms', 'rss', rss()); return r }
await timed('first page', () => call('GetInventory', { MaxResults: 50 }))
await timed('page all (MaxResults 50)', async () => { let tok, n = 0; do { const r = await call('GetInventory', { MaxResults: 50, NextToken: tok }); n += r.Entities.length; tok = r.NextToken } while (tok); console.log('  entities', n) })
await timed('sparse filter all pages', async () => { let tok, n = 0, pages = 0; do { const r = await call('GetInventory', { MaxResults: 50, NextToken: tok, Filters: [{ Key: 'Custom:T1.Env', Values: ['rare'], Type: 'Equal' }] }); n += r.Entities.length; pages++; tok = r.NextToken } while (tok); console.log('  entities', n, 'pages', pages) })
await timed('aggregation', () => call('GetInventory', { Aggregators: [{ Expression: 'Custom:T0.Env' }] }))
await timed('group counts', () => call('GetInventory', { Aggregators: [{ Aggregators: [{ Expression: 'Custom:T0.Env' }], Groups: [{ Name: 'g', Filters: [{ Key: 'Custom:T2.Env', Values: ['rare'], Type: 'Equal' }] }] }] }).catch(e => console.log('  group err', e.message)))
await timed('schema', () => call('GetInventorySchema', {}))
await timed('list entries', () => call('ListInventoryEntries', { InstanceId: instanceId(5), TypeName: 'Custom:T0' }))
const d = await timed('delete T1', () => call('DeleteInventory', { TypeName: 'Custom:T1' }))
await timed('deletion done', async () => { while (true) { const r = await call('DescribeInventoryDeletions', { DeletionId: d.DeletionId }); const x = r.InventoryDeletions[0]; if (x.LastStatus === 'Complete') { console.log('  ', JSON.stringify(x.DeletionSummary)); return } await new Promise(r => setTimeout(r, 100)) } })
clearInterval(rssTimer); console.log('max rss', maxRss)
await server.stop(); removeDir(server.dataDir)
await new Promise(r => setTimeout(r, 2000))
