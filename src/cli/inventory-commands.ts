/**
 * `ssm-inventory types | instances | count | deletions | delete | import | export`: quick looks,
 * fleet counts, deletions with live progress and bulk copies, against any SSM endpoint (this
 * server or AWS itself) through the AWS SDK.
 *
 * Output is a table for people and JSON with --json. Exit codes: 0 done, 1 the service
 * refused (its error on stderr), 2 a usage error.
 */
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import {
  DeleteInventoryCommand,
  DescribeInventoryDeletionsCommand,
  GetInventoryCommand,
  GetInventorySchemaCommand,
  ListInventoryEntriesCommand,
  PutInventoryCommand,
  SSMClient,
  type InventoryDeletionStatusItem,
  type InventoryDeletionSummary,
  type InventoryFilter,
  type InventoryResultItem,
} from '@aws-sdk/client-ssm'
import cliProgress from 'cli-progress'

const INSTANCE_INFORMATION = 'AWS:InstanceInformation'

export class UsageError extends Error {}

const CONNECTION_OPTIONS = {
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
} as const

export const inventoryCommandsUsage = `Inventory commands (any SSM endpoint; credentials and region from the usual AWS chain):
  types                                   the inventory types and their attributes
  instances                               the managed instances that reported inventory
  count TYPE.ATTRIBUTE [--then TYPE.ATTRIBUTE] [--filter F]...
                                          instances per value (or per pair of values), among those
                                          the filters select; F as the AWS CLI writes one,
                                          Key=K,Values=V1,V2,Type=Equal, or as JSON
  deletions [DELETION_ID] [--watch]       the deletions, or one followed to Complete
  delete TYPE [--schema disable|delete] [--dry-run] [--yes]
                                          show what would be deleted, confirm, delete and follow
  import FILE [--resume] [--concurrency N]
                                          PutInventory every record of FILE (JSON list or NDJSON of
                                          {"InstanceId", "Items": [...]}); bad records are reported, not fatal
  export [FILE] [--concurrency N]         every instance's items as NDJSON records that import reads back
Common flags: --endpoint-url URL (default http://127.0.0.1:4583), --region R, --profile P, --json`

function client(values: { 'endpoint-url'?: string; region?: string; profile?: string }): SSMClient {
  if (values.profile) process.env.AWS_PROFILE = values.profile
  return new SSMClient({
    endpoint: values['endpoint-url'] ?? 'http://127.0.0.1:4583',
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: 2,
  })
}

function table(headers: string[], rows: string[][]): string {
  // Reduced, not spread into Math.max: a fleet's rows can outnumber the arguments a call takes (~125,000 here).
  const widths = headers.map((h, i) => rows.reduce((widest, r) => Math.max(widest, (r[i] ?? '').length), h.length))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

const print = (text: string) => process.stdout.write(`${text}\n`)

export async function runInventoryCommand(command: string, argv: string[]): Promise<number> {
  switch (command) {
    case 'types':
      return types(argv)
    case 'instances':
      return instances(argv)
    case 'count':
      return count(argv)
    case 'deletions':
      return deletions(argv)
    case 'delete':
      return deleteType(argv)
    case 'import':
      return importFile(argv)
    case 'export':
      return exportAll(argv)
    default:
      throw new UsageError(`unknown command '${command}'`)
  }
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(argv: string[], options: T, positionals = 0) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: positionals > 0, strict: true })
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`)
    return parsed
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message)
  }
}

async function types(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const ssm = client(values)
  const schemas = []
  let token: string | undefined
  do {
    const page = await ssm.send(new GetInventorySchemaCommand({ MaxResults: 200, NextToken: token }))
    schemas.push(...(page.Schemas ?? []))
    token = page.NextToken
  } while (token)
  if (values.json) print(JSON.stringify(schemas, null, 2))
  else print(table(['TYPE', 'VERSION', 'ATTRIBUTES'], schemas.map((s) => [s.TypeName ?? '', s.Version ?? '', (s.Attributes ?? []).map((a) => a.Name).join(', ')])))
  return 0
}

async function instances(argv: string[]): Promise<number> {
  const { values } = parse(argv, {})
  const ssm = client(values)
  const rows: Record<string, string>[] = []
  let token: string | undefined
  do {
    const page = await ssm.send(new GetInventoryCommand({ ResultAttributes: [{ TypeName: INSTANCE_INFORMATION }], MaxResults: 50, NextToken: token }))
    for (const entity of page.Entities ?? []) rows.push({ InstanceId: entity.Id ?? '', ...(entity.Data?.[INSTANCE_INFORMATION]?.Content?.[0] ?? {}) })
    token = page.NextToken
  } while (token)
  if (values.json) print(JSON.stringify(rows, null, 2))
  else print(table(['INSTANCE', 'STATUS', 'PLATFORM', 'COMPUTER NAME'], rows.map((r) => [r.InstanceId, r.InstanceStatus ?? '', r.PlatformName ?? r.PlatformType ?? '', r.ComputerName ?? ''])))
  return 0
}

/**
 * A --filter: JSON (`{"Key": ..., "Values": [...], "Type": ...}`) or the AWS CLI's shorthand,
 * `Key=K,Values=V1,V2,Type=T` (the words after Values= that hold no `=` are more values; Type
 * defaults to Equal). The service checks the key, the operator and the values.
 */
function parseFilter(text: string): InventoryFilter {
  if (text.trimStart().startsWith('{')) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new UsageError(`--filter ${text}: not valid JSON`)
    }
    const filter = value as Partial<InventoryFilter>
    if (typeof filter.Key !== 'string' || !Array.isArray(filter.Values) || !filter.Values.every((v) => typeof v === 'string') || (filter.Type !== undefined && typeof filter.Type !== 'string')) {
      throw new UsageError(`--filter ${text}: give {"Key": "Type.Attribute", "Values": ["..."], "Type": "Equal"}`)
    }
    return { Key: filter.Key, Values: filter.Values, Type: filter.Type }
  }
  const fields: Record<string, string[]> = {}
  let current: string | undefined
  for (const word of text.split(',')) {
    const eq = word.indexOf('=')
    if (eq > 0 && ['Key', 'Values', 'Type'].includes(word.slice(0, eq))) {
      current = word.slice(0, eq)
      if (fields[current]) throw new UsageError(`--filter ${text}: ${current} is given twice`)
      fields[current] = [word.slice(eq + 1)]
    } else if (current === 'Values') {
      fields.Values.push(word)
    } else {
      throw new UsageError(`--filter ${text}: expected Key=Type.Attribute,Values=V1,V2,Type=Equal`)
    }
  }
  if (!fields.Key || !fields.Values) throw new UsageError(`--filter ${text}: Key= and Values= are needed`)
  return { Key: fields.Key[0], Values: fields.Values, Type: (fields.Type?.[0] ?? 'Equal') as InventoryFilter['Type'] }
}

async function count(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { then: { type: 'string' }, filter: { type: 'string', multiple: true } }, 1)
  const by = positionals[0]
  if (!by) throw new UsageError('give the TYPE.ATTRIBUTE to count instances by')
  // multiple: parseArgs gives every --filter, in order.
  const filters = ((values.filter ?? []) as string[]).map(parseFilter)
  const ssm = client(values)
  const answer = await ssm.send(new GetInventoryCommand({
    Filters: filters.length > 0 ? filters : undefined,
    Aggregators: [{ Expression: by, Aggregators: values.then ? [{ Expression: values.then }] : undefined }],
  }))
  // One entity without an Id, its rows under the expression's type: the values by attribute, and Count.
  const expressions = values.then ? [by, values.then] : [by]
  const rows = Object.values(answer.Entities?.[0]?.Data ?? {}).flatMap((item) => item.Content ?? []).map((row) => {
    const keys = Object.keys(row).filter((key) => key !== 'Count')
    return { values: expressions.map((_, i) => row[keys[i]] ?? ''), instances: Number(row.Count ?? 0) }
  })
  if (values.json) print(JSON.stringify(rows.map((row) => ({ ...Object.fromEntries(expressions.map((e, i) => [e, row.values[i]])), Instances: row.instances })), null, 2))
  else print(table([...expressions, 'INSTANCES'], rows.map((row) => [...row.values, String(row.instances)])))
  return 0
}

function remainingOf(summary: InventoryDeletionSummary | undefined): string {
  return `${summary?.RemainingCount ?? 0}/${summary?.TotalCount ?? 0}`
}

async function deletions(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { watch: { type: 'boolean' } }, 1)
  const ssm = client(values)
  const [id] = positionals
  if (values.watch) {
    if (!id) throw new UsageError('--watch follows one deletion: give its DeletionId')
    const done = await follow(ssm, id, Boolean(values.json))
    if (values.json) print(JSON.stringify(done, null, 2))
    return 0
  }
  const all: InventoryDeletionStatusItem[] = []
  let token: string | undefined
  do {
    const page = await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: id, MaxResults: 50, NextToken: token }))
    all.push(...(page.InventoryDeletions ?? []))
    token = page.NextToken
  } while (token)
  if (values.json) print(JSON.stringify(all, null, 2))
  else print(table(['DELETION ID', 'TYPE', 'STATUS', 'REMAINING/TOTAL', 'STARTED'], all.map((d) => [
    d.DeletionId ?? '', d.TypeName ?? '', d.LastStatus ?? '', remainingOf(d.DeletionSummary), d.DeletionStartTime?.toISOString() ?? '',
  ])))
  return 0
}

/** Polls a deletion to Complete, with one progress bar per schema version on a terminal. */
async function follow(ssm: SSMClient, deletionId: string, quiet: boolean): Promise<InventoryDeletionStatusItem> {
  const interactive = process.stderr.isTTY && !quiet
  const bars = interactive ? new cliProgress.MultiBar({ format: ' version {version} [{bar}] {value}/{total} items', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined
  const byVersion = new Map<string, cliProgress.SingleBar>()
  try {
    for (;;) {
      const deletion = (await ssm.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletionId }))).InventoryDeletions![0]
      for (const item of deletion.DeletionSummary?.SummaryItems ?? []) {
        const done = (item.Count ?? 0) - (item.RemainingCount ?? 0)
        let bar = byVersion.get(item.Version ?? '')
        if (!bar && bars) byVersion.set(item.Version ?? '', (bar = bars.create(item.Count ?? 0, done, { version: item.Version })))
        bar?.update(done)
      }
      if (deletion.LastStatus === 'Complete') {
        bars?.stop()
        if (!quiet) print(`${deletion.TypeName}: ${deletion.LastStatusMessage} (${deletion.DeletionSummary?.TotalCount ?? 0} items)`)
        return deletion
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  } finally {
    bars?.stop()
  }
}

async function deleteType(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { schema: { type: 'string' }, 'dry-run': { type: 'boolean' }, yes: { type: 'boolean' } }, 1)
  const [typeName] = positionals
  if (!typeName) throw new UsageError('delete needs the TYPE to delete, e.g. Custom:RackInfo')
  const option = values.schema === undefined ? undefined : ({ disable: 'DisableSchema', delete: 'DeleteSchema' } as const)[values.schema as 'disable' | 'delete']
  if (values.schema !== undefined && !option) throw new UsageError(`--schema takes disable or delete, not '${values.schema}'`)
  const ssm = client(values)
  const preview = await ssm.send(new DeleteInventoryCommand({ TypeName: typeName, SchemaDeleteOption: option, DryRun: true }))
  const versions = (preview.DeletionSummary?.SummaryItems ?? []).map((v) => `version ${v.Version}: ${v.Count} items`).join(', ')
  if (values['dry-run']) {
    if (values.json) print(JSON.stringify(preview, null, 2))
    else print(`${typeName}: would delete ${preview.DeletionSummary?.TotalCount ?? 0} items${versions ? ` (${versions})` : ''}${option ? ` and ${values.schema} its schema` : ''}`)
    return 0
  }
  if (!values.yes) {
    if (!process.stdin.isTTY) throw new UsageError('not asking for confirmation without a terminal: pass --yes')
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    const answer = await rl.question(`Delete ${preview.DeletionSummary?.TotalCount ?? 0} items of ${typeName}${versions ? ` (${versions})` : ''}? [y/N] `)
    rl.close()
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('nothing deleted\n')
      return 0
    }
  }
  const started = await ssm.send(new DeleteInventoryCommand({ TypeName: typeName, SchemaDeleteOption: option }))
  if (!values.json) print(`deletion ${started.DeletionId} started`)
  const done = await follow(ssm, started.DeletionId!, Boolean(values.json))
  if (values.json) print(JSON.stringify(done, null, 2))
  return 0
}

/** Records of an import file: a JSON list, or one JSON object per line. Unparsable lines become errors. */
function readRecords(path: string): { record?: unknown; error?: string }[] {
  const text = readFileSync(path, 'utf8')
  if (text.trimStart().startsWith('[')) {
    let list: unknown
    try {
      list = JSON.parse(text)
    } catch (error) {
      throw new UsageError(`${path} starts like a JSON list but is not valid JSON: ${(error as Error).message}`)
    }
    return (list as unknown[]).map((record) => ({ record }))
  }
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    try {
      return { record: JSON.parse(line) }
    } catch (error) {
      return { error: `not valid JSON: ${(error as Error).message}` }
    }
  })
}

/** --concurrency: calls in flight at once (default 8). */
function concurrencyOf(values: { concurrency?: string }): number {
  const concurrency = Number(values.concurrency ?? 8)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency takes a whole number from 1 to 64')
  return concurrency
}

async function importFile(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { resume: { type: 'boolean' }, concurrency: { type: 'string' } }, 1)
  const [path] = positionals
  if (!path) throw new UsageError('import needs the FILE to read')
  const concurrency = concurrencyOf(values)
  const records = readRecords(path)
  // Resuming: the state file holds how many leading records are done (accepted or reported).
  const statePath = `${path}.import-state`
  const start = values.resume && existsSync(statePath) ? Number(JSON.parse(readFileSync(statePath, 'utf8')).done ?? 0) : 0
  const ssm = client(values)
  const done = new Array<boolean>(records.length).fill(false)
  let contiguous = start
  const saveState = () => writeFileSync(statePath, JSON.stringify({ done: contiguous }))
  const rejected: string[] = []
  let accepted = 0
  const bar = process.stderr.isTTY && !values.json
    ? new cliProgress.SingleBar({ format: ' import [{bar}] {value}/{total} records | {rate}/s | ETA {eta_formatted} | {rejected} rejected', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined
  const startedAt = Date.now()
  bar?.start(records.length, start, { rate: 0, rejected: 0 })
  let next = start
  let sinceSave = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < records.length) {
      const index = next++
      const { record, error } = records[index]
      const where = `record ${index + 1}${(record as { InstanceId?: string } | undefined)?.InstanceId ? ` (${(record as { InstanceId: string }).InstanceId})` : ''}`
      if (error) {
        rejected.push(`${where}: ${error}`)
      } else {
        try {
          await ssm.send(new PutInventoryCommand(record as ConstructorParameters<typeof PutInventoryCommand>[0]))
          accepted++
        } catch (failure) {
          rejected.push(`${where}: ${(failure as Error).name}: ${(failure as Error).message}`)
        }
      }
      done[index] = true
      while (contiguous < records.length && done[contiguous]) contiguous++
      if (++sinceSave >= 100) {
        sinceSave = 0
        saveState()
      }
      bar?.update(contiguous, { rate: Math.round((contiguous - start) / Math.max(0.001, (Date.now() - startedAt) / 1000)), rejected: rejected.length })
    }
  }))
  bar?.stop()
  saveState()
  for (const line of rejected) process.stderr.write(`rejected ${line}\n`)
  const summary = { records: records.length, skipped: start, accepted, rejected: rejected.length }
  print(values.json ? JSON.stringify(summary) : `${accepted} records imported, ${rejected.length} rejected${start ? `, ${start} skipped (already done)` : ''} of ${records.length}`)
  return rejected.length === 0 ? 0 : 1
}

/**
 * Every instance's reported items, one NDJSON record per instance, in the order GetInventory
 * pages them. AWS's GetInventory gives only AWS:InstanceInformation, so an item is read with
 * ListInventoryEntries (all its pages), type by type: a call per instance and type. An endpoint
 * whose GetInventory gives every item of an instance (this server) is seen to as soon as one
 * entity carries a custom type, and from then on the items other than AWS:InstanceInformation
 * come from the page itself (measured: 10,000 instances of 6 types exported in ~62 s one call
 * at a time, now ~10.5 s). AWS:InstanceInformation is always listed: only that tells a reported
 * item from the one the service derives for every instance. The instances of a page are read
 * `--concurrency` at a time (default 8), and written in the page's order.
 */
async function exportAll(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { concurrency: { type: 'string' } }, 1)
  const [path] = positionals
  const concurrency = concurrencyOf(values)
  const ssm = client(values)
  const out = path ? createWriteStream(path) : process.stdout
  const typeNames: string[] = []
  let token: string | undefined
  do {
    const page = await ssm.send(new GetInventorySchemaCommand({ MaxResults: 200, NextToken: token }))
    typeNames.push(...(page.Schemas ?? []).map((s) => s.TypeName!))
    token = page.NextToken
  } while (token)

  const listed = async (instanceId: string, typeName: string): Promise<ExportedItem | undefined> => {
    const entries: Record<string, string>[] = []
    let entriesToken: string | undefined
    let first: { SchemaVersion?: string; CaptureTime?: string } = {}
    do {
      const page = await ssm.send(new ListInventoryEntriesCommand({ InstanceId: instanceId, TypeName: typeName, MaxResults: 50, NextToken: entriesToken }))
      if (!entriesToken) first = page
      entries.push(...(page.Entries ?? []))
      entriesToken = page.NextToken
    } while (entriesToken)
    // An instance's AWS:InstanceInformation without a reported item is derived: nothing to carry.
    return entries.length > 0 && first.SchemaVersion && first.CaptureTime ? { TypeName: typeName, SchemaVersion: first.SchemaVersion, CaptureTime: first.CaptureTime, Content: entries } : undefined
  }
  let pagesGiveItems = false
  let count = 0
  do {
    const page = await ssm.send(new GetInventoryCommand({ MaxResults: 50, NextToken: token }))
    const entities = page.Entities ?? []
    // AWS's pages never carry a custom type (ResultAttributes takes AWS types only).
    if (entities.some((entity) => Object.keys(entity.Data ?? {}).some((typeName) => typeName.startsWith('Custom:')))) pagesGiveItems = true
    const records: string[] = new Array(entities.length)
    let next = 0
    await Promise.all(Array.from({ length: Math.min(concurrency, entities.length) }, async () => {
      while (next < entities.length) {
        const index = next++
        const entity = entities[index]
        const items: ExportedItem[] = []
        for (const typeName of typeNames) {
          const item = typeName === INSTANCE_INFORMATION || !pagesGiveItems ? await listed(entity.Id!, typeName) : fromPage(entity.Data?.[typeName])
          if (item) items.push(item)
        }
        records[index] = `${JSON.stringify({ InstanceId: entity.Id, Items: items })}\n`
      }
    }))
    for (const record of records) out.write(record)
    count += records.length
    token = page.NextToken
  } while (token)
  if (path) {
    await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve))
    process.stderr.write(`${count} instances exported to ${path}\n`)
  }
  return 0
}

interface ExportedItem {
  TypeName: string
  SchemaVersion: string
  CaptureTime: string
  Content: Record<string, string>[]
}

/** An item as a GetInventory page gives it, for export (none for an item without entries, as ListInventoryEntries gives none). */
function fromPage(item: InventoryResultItem | undefined): ExportedItem | undefined {
  return item?.TypeName && item.SchemaVersion && item.CaptureTime && item.Content?.length
    ? { TypeName: item.TypeName, SchemaVersion: item.SchemaVersion, CaptureTime: item.CaptureTime, Content: item.Content }
    : undefined
}
