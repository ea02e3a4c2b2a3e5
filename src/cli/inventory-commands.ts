/**
 * `ssm-inventory types | instances | deletions | delete`: quick looks and deletions with live
 * progress, against any SSM endpoint (this server or AWS itself) through the AWS SDK.
 *
 * Output is a table for people and JSON with --json. Exit codes: 0 done, 1 the service
 * refused (its error on stderr), 2 a usage error.
 */
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import {
  DeleteInventoryCommand,
  DescribeInventoryDeletionsCommand,
  GetInventoryCommand,
  GetInventorySchemaCommand,
  SSMClient,
  type InventoryDeletionStatusItem,
  type InventoryDeletionSummary,
} from '@aws-sdk/client-ssm'
import cliProgress from 'cli-progress'

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
  deletions [DELETION_ID] [--watch]       the deletions, or one followed to Complete
  delete TYPE [--schema disable|delete] [--dry-run] [--yes]
                                          show what would be deleted, confirm, delete and follow
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
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
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
    case 'deletions':
      return deletions(argv)
    case 'delete':
      return deleteType(argv)
    default:
      throw new UsageError(`unknown command '${command}'`)
  }
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T, positionals = 0) {
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
    const page = await ssm.send(new GetInventoryCommand({ ResultAttributes: [{ TypeName: 'AWS:InstanceInformation' }], MaxResults: 50, NextToken: token }))
    for (const entity of page.Entities ?? []) rows.push({ InstanceId: entity.Id ?? '', ...(entity.Data?.['AWS:InstanceInformation']?.Content?.[0] ?? {}) })
    token = page.NextToken
  } while (token)
  if (values.json) print(JSON.stringify(rows, null, 2))
  else print(table(['INSTANCE', 'STATUS', 'PLATFORM', 'COMPUTER NAME'], rows.map((r) => [r.InstanceId, r.InstanceStatus ?? '', r.PlatformName ?? r.PlatformType ?? '', r.ComputerName ?? ''])))
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
