/**
 * One instance: its AWS:InstanceInformation, the inventory types it reports (GetInventory
 * filtered on its id) and the entries of one type, page by page (ListInventoryEntries).
 */
import { GetInventoryCommand, ListInventoryEntriesCommand, type InventoryResultItem, type SSMClient } from '@aws-sdk/client-ssm'
import { ErrorBanner, formatTime, Loading, Pager } from '../components/common'
import { useAsync, useTokenPaging } from '../hooks'
import { routeHref } from '../routes'

const INFO = 'AWS:InstanceInformation'
const ENTRIES_PER_PAGE = 50

interface Props {
  client: SSMClient
  instanceId: string
  typeName: string | undefined
  onConnection(): void
}

export function InstanceView({ client, instanceId, typeName, onConnection }: Props) {
  const instance = useAsync(async () => {
    const result = await client.send(new GetInventoryCommand({ Filters: [{ Key: `${INFO}.InstanceId`, Type: 'Equal', Values: [instanceId] }] }))
    return result.Entities?.[0]
  }, [client, instanceId])
  const items: InventoryResultItem[] = Object.values(instance.data?.Data ?? {}).sort((a, b) => (a.TypeName ?? '').localeCompare(b.TypeName ?? ''))
  const selected = typeName ?? items.find((item) => item.TypeName !== INFO)?.TypeName ?? items[0]?.TypeName
  const info = instance.data?.Data?.[INFO]?.Content?.[0] ?? {}
  return (
    <section>
      <header class="view-header">
        <h1>
          <a href="#/fleet">Fleet</a> / <span data-testid="instance-id">{instanceId}</span>
        </h1>
        <Loading when={instance.loading} />
      </header>
      <ErrorBanner error={instance.error} onConnection={onConnection} />
      {!instance.loading && instance.error === undefined && instance.data === undefined && <p class="empty">This instance has no inventory.</p>}
      {instance.data && (
        <>
          <dl class="facts">
            {Object.entries(info).map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          <h2>Inventory types</h2>
          <nav class="tabs" aria-label="Inventory types">
            {items.map((item) => (
              <a
                key={item.TypeName}
                href={routeHref({ view: 'instance', instanceId, typeName: item.TypeName })}
                class={item.TypeName === selected ? 'tab active' : 'tab'}
                aria-current={item.TypeName === selected ? 'page' : undefined}
              >
                {item.TypeName} <span class="count">{item.Content?.length ?? 0}</span>
              </a>
            ))}
          </nav>
          {selected && <Entries client={client} instanceId={instanceId} item={items.find((item) => item.TypeName === selected)} typeName={selected} onConnection={onConnection} />}
        </>
      )}
    </section>
  )
}

function Entries(props: { client: SSMClient; instanceId: string; typeName: string; item: InventoryResultItem | undefined; onConnection(): void }) {
  const { client, instanceId, typeName } = props
  const paging = useTokenPaging(`${instanceId}\n${typeName}`)
  const page = useAsync(
    () => client.send(new ListInventoryEntriesCommand({ InstanceId: instanceId, TypeName: typeName, MaxResults: ENTRIES_PER_PAGE, NextToken: paging.token })),
    [client, instanceId, typeName, paging.token],
  )
  const entries = page.data?.Entries ?? []
  const columns = [...new Set(entries.flatMap((entry) => Object.keys(entry)))]
  return (
    <div class="entries">
      <p class="meta">
        Schema version {page.data?.SchemaVersion ?? props.item?.SchemaVersion ?? '—'} · captured {formatTime(page.data?.CaptureTime ?? props.item?.CaptureTime)}
        <Loading when={page.loading} />
      </p>
      <ErrorBanner error={page.error} onConnection={props.onConnection} />
      <div class="scroll">
        <table class="grid" data-testid="entries-table">
          <thead>
            <tr>{columns.map((column) => <th key={column}>{column}</th>)}</tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={index}>{columns.map((column) => <td key={column}>{entry[column] ?? ''}</td>)}</tr>
            ))}
            {!page.loading && entries.length === 0 && (
              <tr>
                <td colSpan={Math.max(1, columns.length)} class="empty">No entries.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager paging={paging} nextToken={page.data?.NextToken} />
    </div>
  )
}
