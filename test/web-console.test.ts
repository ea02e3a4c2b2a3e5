/**
 * The web console at /console, driven in headless Chromium (Debian's package, through
 * playwright-core) against a real server: fleet filtering and paging, an instance's entries,
 * counts per attribute value,
 * a deletion started from the types view and followed to Complete without a reload, and the
 * console signing its calls for a server that verifies SigV4.
 *
 * SSM_INVENTORY_SCREENSHOTS=DIR also saves the screenshots the README shows.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DescribeInventoryDeletionsCommand, GetInventorySchemaCommand, PutInventoryCommand, type SSMClient } from '@aws-sdk/client-ssm'
import { chromium, type Browser, type Page } from 'playwright-core'
import { instanceId, sdkClient } from './support/clients.js'
import { removeDir, startServerProcess, tempDataDir, type ServerProcess } from './support/server-process.js'

const CHROMIUM = process.env.SSM_INVENTORY_CHROMIUM ?? '/usr/bin/chromium'
const SCREENSHOTS = process.env.SSM_INVENTORY_SCREENSHOTS
const CAPTURE = '2026-11-01T10:00:00Z'
/** The console's default connection: any key on an open server, account 000000000000. */
const CONSOLE_DEFAULT = { accessKeyId: 'console', secretAccessKey: 'console', region: 'us-east-1' }
const INSTANCES = 30

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set SSM_INVENTORY_CHROMIUM.`)
  }
  return chromium.launch({ executablePath: CHROMIUM })
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false })
}

/** 30 instances, Linux and Windows alternately, racks R1..R30, a custom type in two versions. */
async function loadFleet(ssm: SSMClient): Promise<void> {
  for (let n = 1; n <= INSTANCES; n++) {
    const windows = n % 2 === 0
    await ssm.send(new PutInventoryCommand({
      InstanceId: instanceId(n),
      Items: [
        {
          TypeName: 'AWS:InstanceInformation', SchemaVersion: '1.0', CaptureTime: CAPTURE,
          Content: [{
            ComputerName: `${windows ? 'win' : 'web'}-${String(n).padStart(2, '0')}.example.internal`,
            PlatformType: windows ? 'Windows' : 'Linux',
            PlatformName: windows ? 'Microsoft Windows Server 2022 Datacenter' : 'Amazon Linux',
            PlatformVersion: windows ? '10.0.20348' : '2023',
            IpAddress: `10.0.${Math.floor(n / 250)}.${n % 250}`,
            AgentVersion: '3.3.1142.0',
            InstanceStatus: 'Active',
          }],
        },
        { TypeName: 'Custom:Rack', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Rack: `R${n}`, Row: n <= 15 ? 'A' : 'B' }] },
        {
          TypeName: 'Custom:Packages', SchemaVersion: n <= 12 ? '1.0' : '2.0', CaptureTime: CAPTURE,
          Content: Array.from({ length: n === 1 ? 60 : 3 }, (_, i) => ({ Name: `package-${String(i).padStart(2, '0')}`, Version: `1.${i}` })),
        },
      ],
    }))
  }
}

async function visibleInstanceIds(page: Page): Promise<string[]> {
  await page.locator('[data-testid="fleet-table"] tbody tr[data-instance-id]').first().waitFor()
  return page.locator('[data-testid="fleet-table"] tbody tr[data-instance-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance-id') ?? ''))
}

/** Waits until the fleet table shows exactly `count` rows (the previous page can linger while the next loads). */
async function expectRows(page: Page, count: number): Promise<string[]> {
  await page.waitForFunction(
    (expected) => document.querySelectorAll('[data-testid="fleet-table"] tbody tr[data-instance-id]').length === expected && !document.querySelector('.loading'),
    count,
  )
  return visibleInstanceIds(page)
}

describe('web console', () => {
  let server: ServerProcess
  let browser: Browser
  let ssm: SSMClient
  before(async () => {
    browser = await launch()
    // Small, paced deletion batches so the console can be seen following a deletion.
    server = await startServerProcess({ args: ['--deletion-batch-size', '1', '--deletion-pause-ms', '150'] })
    ssm = sdkClient(server.url, CONSOLE_DEFAULT)
    await loadFleet(ssm)
  })
  after(async () => {
    ssm?.destroy()
    await browser?.close()
    if (server) {
      await server.stop()
      removeDir(server.dataDir)
    }
  })

  async function open(path = ''): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(String(error)))
    // The browser also logs every 4xx answer; the API errors a test provokes are checked on the page.
    page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && problems.push(message.text()))
    ;(page as Page & { problems?: string[] }).problems = problems
    await page.goto(`${server.url}/console/${path}`)
    return page
  }
  const problemsOf = (page: Page) => (page as Page & { problems?: string[] }).problems ?? []

  it('serves the console with its assets, caching and security headers', async () => {
    const redirect = await fetch(`${server.url}/console`, { redirect: 'manual' })
    assert.equal(redirect.status, 308)
    assert.equal(redirect.headers.get('location'), '/console/')
    const index = await fetch(`${server.url}/console/`)
    assert.equal(index.status, 200)
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(index.headers.get('cache-control'), 'no-cache')
    assert.match(index.headers.get('content-security-policy') ?? '', /connect-src 'self'/)
    const html = await index.text()
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(script, html)
    const asset = await fetch(`${server.url}${script}`)
    assert.equal(asset.status, 200)
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/)
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/)
    const etag = asset.headers.get('etag')!
    assert.equal((await fetch(`${server.url}${script}`, { headers: { 'if-none-match': etag } })).status, 304)
    assert.equal((await fetch(`${server.url}/console/assets/missing.js`)).status, 404)
    assert.equal((await fetch(`${server.url}/console/../package.json`)).status, 404)
  })

  it('lists the fleet with status and platform, pages through it and filters on any attribute', async () => {
    const page = await open()
    const firstPage = await expectRows(page, 25)
    assert.deepEqual(firstPage, Array.from({ length: 25 }, (_, i) => instanceId(i + 1)))
    const first = page.locator(`tr[data-instance-id="${instanceId(2)}"]`)
    assert.match(await first.innerText(), /Active\s+Microsoft Windows Server 2022 Datacenter 10\.0\.20348\s+win-02\.example\.internal/)
    await screenshot(page, 'fleet')

    await page.getByRole('button', { name: 'Next →' }).click()
    assert.deepEqual(await expectRows(page, 5), Array.from({ length: 5 }, (_, i) => instanceId(i + 26)))
    assert.equal(await page.locator('.page-number').innerText(), 'Page 2')
    await page.getByRole('button', { name: '← Previous' }).click()
    await expectRows(page, 25)

    await page.getByRole('button', { name: '+ Add filter' }).click()
    await page.getByLabel('Attribute').fill('AWS:InstanceInformation.PlatformType')
    await page.getByLabel('Operator').selectOption('Equal')
    await page.getByLabel('Values').fill('Windows')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    const windows = await expectRows(page, 15)
    assert.deepEqual(windows, Array.from({ length: 15 }, (_, i) => instanceId(2 * (i + 1))))
    assert.match(page.url(), /#\/fleet\?filters=/, 'filters are in the address, so a filtered view can be shared')

    // A second condition on a custom type's attribute narrows further (conditions are ANDed).
    await page.getByRole('button', { name: '+ Add filter' }).click()
    await page.getByLabel('Attribute').nth(1).fill('Custom:Rack.Row')
    await page.getByLabel('Values').nth(1).fill('B')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    assert.deepEqual(await expectRows(page, 8), [16, 18, 20, 22, 24, 26, 28, 30].map(instanceId))
    await screenshot(page, 'fleet-filtered')

    // A filter the service rejects shows its error, not an empty table.
    await page.getByLabel('Attribute').nth(1).fill('Custom:Nope.Row')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.getByRole('alert').waitFor()
    assert.match(await page.getByRole('alert').innerText(), /InvalidTypeNameException/)

    // The filtered view survives a reload from its address.
    await page.goto(`${server.url}/console/#/fleet?filters=${encodeURIComponent(JSON.stringify([{ key: 'Custom:Rack.Rack', type: 'BeginWith', values: ['R1'] }]))}&size=10`)
    assert.deepEqual(await expectRows(page, 10), [1, 10, 11, 12, 13, 14, 15, 16, 17, 18].map(instanceId))
    await page.getByRole('button', { name: 'Next →' }).click()
    assert.deepEqual(await expectRows(page, 1), [instanceId(19)])
    assert.deepEqual(problemsOf(page), [])
    await page.close()
  })

  it("shows an instance's types and pages through its entries", async () => {
    const page = await open()
    await expectRows(page, 25)
    await page.getByRole('link', { name: instanceId(1) }).click()
    await page.getByRole('navigation', { name: 'Inventory types' }).waitFor()
    const tabs = await page.getByRole('navigation', { name: 'Inventory types' }).getByRole('link').allInnerTexts()
    assert.deepEqual(tabs.map((t) => t.replace(/\s+/g, ' ').trim()), ['AWS:InstanceInformation 1', 'Custom:Packages 60', 'Custom:Rack 1'])
    const rows = page.locator('[data-testid="entries-table"] tbody tr')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entries-table"] tbody tr').length === 50)
    assert.match(await rows.first().innerText(), /package-00\s+1\.0/)
    await screenshot(page, 'instance')
    await page.getByRole('button', { name: 'Next →' }).click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="entries-table"] tbody tr').length === 10)
    assert.match(await rows.last().innerText(), /package-59\s+1\.59/)

    await page.getByRole('link', { name: /^Custom:Rack/ }).click()
    await page.waitForFunction(() => document.querySelector('[data-testid="entries-table"] tbody tr')?.textContent?.includes('R1'))
    assert.deepEqual(problemsOf(page), [])
    await page.close()
  })

  it('counts instances per value of an attribute, per combination of two, and within filters', async () => {
    const page = await open('#/counts')
    /** The counts table's rows (values and count, not the bar) once it shows `count` of them. */
    const countRows = async (count: number): Promise<string[][]> => {
      await page.waitForFunction(
        (expected) => document.querySelectorAll('[data-testid="counts-table"] tbody tr:not(:has(.empty))').length === expected && !document.querySelector('.loading'),
        count,
      )
      return page.locator('[data-testid="counts-table"] tbody tr').evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td:not(.bar-column)')].map((cell) => cell.textContent ?? '')))
    }
    await page.getByLabel('Count instances by').fill('AWS:InstanceInformation.PlatformType')
    await page.getByRole('button', { name: 'Count', exact: true }).click()
    assert.deepEqual(await countRows(2), [['Linux', '15'], ['Windows', '15']])
    assert.match(page.url(), /#\/counts\?by=AWS%3AInstanceInformation\.PlatformType/, 'the question is in the address')

    // Within each platform, per row of racks (odd instances are Linux; rows A and B split them at 15).
    await page.getByLabel('Then by').fill('Custom:Rack.Row')
    await page.getByRole('button', { name: 'Count', exact: true }).click()
    assert.deepEqual(await countRows(4), [['Linux', 'A', '8'], ['Linux', 'B', '7'], ['Windows', 'A', '7'], ['Windows', 'B', '8']])
    assert.deepEqual(await page.locator('[data-testid="counts-table"] thead th').allInnerTexts().then((t) => t.slice(0, 3)), ['AWS:InstanceInformation.PlatformType', 'Custom:Rack.Row', 'Instances'])

    // Filters restrict every count.
    await page.getByRole('button', { name: '+ Add filter' }).click()
    await page.getByLabel('Attribute').fill('Custom:Rack.Row')
    await page.getByLabel('Values').fill('B')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    assert.deepEqual(await countRows(2), [['Linux', 'B', '7'], ['Windows', 'B', '8']])
    await screenshot(page, 'counts')

    // An expression the service refuses shows its error.
    await page.getByLabel('Count instances by').fill('Custom:Nope.Row')
    await page.getByRole('button', { name: 'Count', exact: true }).click()
    await page.getByRole('alert').waitFor()
    assert.match(await page.getByRole('alert').innerText(), /InvalidAggregatorException/)

    // A question opened from its address is asked again.
    await page.goto(`${server.url}/console/#/counts?by=${encodeURIComponent('Custom:Rack.Row')}`)
    assert.deepEqual(await countRows(2), [['A', '15'], ['B', '15']])
    assert.deepEqual(problemsOf(page), [])
    await page.close()
  })

  it('deletes a type from the types view after its dry-run summary and follows it to Complete without a reload', async () => {
    const page = await open('#/types')
    const row = page.locator('tr[data-type-name="Custom:Packages"]')
    await row.waitFor()
    assert.match(await row.innerText(), /Custom:Packages\s+2\.0\s+Name\s+string\s+Version\s+string/)
    await row.getByRole('button', { name: 'Delete…' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.locator('[data-testid="dry-run-total"]').waitFor()
    assert.equal(await dialog.locator('[data-testid="dry-run-total"]').innerText(), '30')
    const summary = await dialog.locator('[data-testid="dry-run-summary"] tbody tr').allInnerTexts()
    assert.deepEqual(summary.map((r) => r.replace(/\s+/g, ' ').trim()), ['1.0 12', '2.0 18', 'Total 30'])
    await screenshot(page, 'delete-dry-run')
    const before = await ssm.send(new DescribeInventoryDeletionsCommand({}))
    assert.equal(before.InventoryDeletions?.length ?? 0, 0, 'the dry run started nothing')

    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true))
    await dialog.getByRole('button', { name: 'Delete 30 items' }).click()
    await page.waitForURL(/#\/deletions\/[0-9a-f-]{36}$/)
    const deletionId = /#\/deletions\/([0-9a-f-]{36})$/.exec(page.url())![1]
    const card = page.locator('[data-testid="focused-deletion"] article')
    await card.waitFor()
    assert.equal(await card.getAttribute('data-deletion-id'), deletionId)

    // Record what the page shows while the deletion runs: the figures must move on their own.
    const seen = new Set<string>()
    const deadline = Date.now() + 30_000
    let screenshotTaken = false
    for (;;) {
      const status = await card.getAttribute('data-status')
      const remaining = await card.locator('[data-testid="remaining-total"]').innerText()
      seen.add(remaining)
      if (!screenshotTaken && /^(1\d|2\d) of 30/.test(remaining)) {
        await screenshot(page, 'deletion-progress')
        screenshotTaken = true
      }
      if (status === 'Complete') break
      assert.ok(Date.now() < deadline, `deletion did not complete; seen ${[...seen].join(', ')}`)
      await page.waitForTimeout(100)
    }
    assert.equal(await card.locator('[data-testid="remaining-total"]').innerText(), '0 of 30 remaining')
    assert.deepEqual(
      (await card.locator('[data-version]').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim()),
      ['Version 1.0 100% 0 of 12 remaining', 'Version 2.0 100% 0 of 18 remaining'],
    )
    const intermediate = [...seen].filter((text) => !/^(0|30) of 30/.test(text))
    assert.ok(intermediate.length >= 2, `progress shown between start and end: ${[...seen].join(', ')}`)
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'no reload happened')

    // The console's account is the SDK's: the deletion and its effect are visible through the API.
    const described = await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletionId }))
    assert.equal(described.InventoryDeletions?.[0].LastStatus, 'Complete')
    const schemas = await ssm.send(new GetInventorySchemaCommand({ TypeName: 'Custom:Packages' }))
    assert.equal(schemas.Schemas?.length, 1, 'keeping the schema was the chosen option')
    await page.getByRole('link', { name: 'Deletions', exact: true }).click()
    await page.locator(`[data-testid="deletions-list"] article[data-deletion-id="${deletionId}"][data-status="Complete"]`).waitFor()
    await screenshot(page, 'deletions')
    assert.deepEqual(problemsOf(page), [])
    await page.close()
  })
})

describe('web console against a server that verifies signatures', () => {
  const KEYS = [
    { accessKeyId: 'AKIACONSOLEWRITER001', secretAccessKey: 'console-writer-secret-001', accountId: '210987654321' },
    { accessKeyId: 'AKIACONSOLEREADER001', secretAccessKey: 'console-reader-secret-001', accountId: '210987654321', readOnly: true },
  ]
  let server: ServerProcess
  let browser: Browser
  let dir: string
  before(async () => {
    browser = await launch()
    dir = tempDataDir()
    const credentialsFile = join(dir, 'keys.json')
    writeFileSync(credentialsFile, JSON.stringify(KEYS))
    server = await startServerProcess({ dataDir: dir, args: ['--credentials-file', credentialsFile] })
    const ssm = sdkClient(server.url, { ...KEYS[0], region: 'eu-central-1' })
    await ssm.send(new PutInventoryCommand({ InstanceId: instanceId(7), Items: [{ TypeName: 'Custom:Signed', SchemaVersion: '1.0', CaptureTime: CAPTURE, Content: [{ Owner: 'platform' }] }] }))
    ssm.destroy()
  })
  after(async () => {
    await browser?.close()
    if (server) {
      await server.stop()
      removeDir(server.dataDir)
    }
  })

  it('asks for a key the server knows, then signs every call with it; a read-only key cannot delete', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /UnrecognizedClientException/)
    await alert.getByRole('button', { name: 'Change connection…' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Region').fill('eu-central-1')
    await dialog.getByLabel('Access key ID').fill(KEYS[0].accessKeyId)
    await dialog.getByLabel('Secret access key').fill('not-the-secret')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.waitForFunction(() => document.querySelector('[role=alert]')?.textContent?.includes('InvalidSignatureException'))

    await page.getByRole('button', { name: /eu-central-1/ }).click()
    await dialog.getByLabel('Secret access key').fill(KEYS[0].secretAccessKey)
    await dialog.getByRole('button', { name: 'Save' }).click()
    assert.deepEqual(await expectRows(page, 1), [instanceId(7)])
    assert.equal(await page.getByRole('alert').count(), 0)

    // The connection is remembered by this browser.
    await page.reload()
    assert.deepEqual(await expectRows(page, 1), [instanceId(7)])

    await page.getByRole('button', { name: /eu-central-1/ }).click()
    await dialog.getByLabel('Access key ID').fill(KEYS[1].accessKeyId)
    await dialog.getByLabel('Secret access key').fill(KEYS[1].secretAccessKey)
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('link', { name: 'Types' }).click()
    await page.locator('tr[data-type-name="Custom:Signed"]').getByRole('button', { name: 'Delete…' }).click()
    // Even a dry run needs the right to delete, as with IAM on AWS.
    await dialog.getByRole('alert').waitFor()
    assert.match(await dialog.getByRole('alert').innerText(), /AccessDeniedException/)
    assert.equal(await dialog.getByRole('button', { name: /^Delete/ }).isDisabled(), true)
    await page.close()
  })
})
