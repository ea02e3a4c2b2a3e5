/**
 * Fleet: every instance with its status and platform (GetInventory, AWS:InstanceInformation),
 * filtered by any attribute of any type the schema lists, page by page.
 */
import { GetInventoryCommand, GetInventorySchemaCommand, type InventoryFilter, type SSMClient } from '@aws-sdk/client-ssm'
import { useState } from 'preact/hooks'
import { ErrorBanner, Loading, Pager } from '../components/common'
import { useAsync, useTokenPaging } from '../hooks'
import { FILTER_TYPES, PAGE_SIZES, routeHref, type FleetFilter } from '../routes'

const INFO = 'AWS:InstanceInformation'

interface Props {
  client: SSMClient
  filters: FleetFilter[]
  pageSize: number
  navigate(href: string): void
  onConnection(): void
}

export function FleetView({ client, filters, pageSize, navigate, onConnection }: Props) {
  const query = JSON.stringify([filters, pageSize])
  const paging = useTokenPaging(query)
  const page = useAsync(
    () =>
      client.send(
        new GetInventoryCommand({
          Filters: inventoryFilters(filters),
          ResultAttributes: [{ TypeName: INFO }],
          MaxResults: pageSize,
          NextToken: paging.token,
        }),
      ),
    [client, query, paging.token],
  )
  const keys = useAsync(() => attributeKeys(client), [client])
  const apply = (next: FleetFilter[], size = pageSize) => navigate(routeHref({ view: 'fleet', filters: next, pageSize: size }))

  const rows = (page.data?.Entities ?? []).map((entity) => {
    const info = entity.Data?.[INFO]?.Content?.[0] ?? {}
    return { id: entity.Id ?? '', info }
  })
  return (
    <section>
      <header class="view-header">
        <h1>Fleet</h1>
        <Loading when={page.loading} />
      </header>
      <FilterEditor key={query} filters={filters} keys={keys.data ?? []} onApply={(next) => apply(next)} />
      <ErrorBanner error={page.error ?? keys.error} onConnection={onConnection} />
      <table class="grid" data-testid="fleet-table">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Status</th>
            <th>Platform</th>
            <th>Computer name</th>
            <th>IP address</th>
            <th>Agent</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ id, info }) => (
            <tr key={id} data-instance-id={id}>
              <td><a href={routeHref({ view: 'instance', instanceId: id })}>{id}</a></td>
              <td><StatusBadge status={info.InstanceStatus} /></td>
              <td>{[info.PlatformName, info.PlatformVersion].filter(Boolean).join(' ') || info.PlatformType || '—'}</td>
              <td>{info.ComputerName ?? '—'}</td>
              <td>{info.IpAddress ?? '—'}</td>
              <td>{info.AgentVersion ?? '—'}</td>
            </tr>
          ))}
          {!page.loading && rows.length === 0 && page.error === undefined && (
            <tr>
              <td colSpan={6} class="empty">No instance matches.</td>
            </tr>
          )}
        </tbody>
      </table>
      <Pager paging={paging} nextToken={page.data?.NextToken}>
        <label class="page-size">
          Per page{' '}
          <select value={pageSize} onChange={(e) => apply(filters, Number(e.currentTarget.value))}>
            {PAGE_SIZES.map((size) => <option key={size} value={size}>{size}</option>)}
          </select>
        </label>
      </Pager>
    </section>
  )
}

function StatusBadge({ status }: { status: string | undefined }) {
  if (!status) return <span class="badge">—</span>
  const tone = status === 'Active' ? 'ok' : status === 'Terminated' ? 'bad' : 'warn'
  return <span class={`badge ${tone}`}>{status}</span>
}

/** The filters as GetInventory takes them. */
export function inventoryFilters(filters: FleetFilter[]): InventoryFilter[] | undefined {
  // An empty list is a ValidationException (Filters has a minimum length of 1): leave it out.
  return filters.length === 0 ? undefined : filters.map((f) => ({ Key: f.key, Type: f.type as InventoryFilter['Type'], Values: f.values }))
}

/** Every `TypeName.Attribute` the schema knows, for the filter key suggestions. */
export async function attributeKeys(client: SSMClient): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await client.send(new GetInventorySchemaCommand({ MaxResults: 200, NextToken: token }))
    for (const schema of page.Schemas ?? []) for (const attribute of schema.Attributes ?? []) keys.push(`${schema.TypeName}.${attribute.Name}`)
    token = page.NextToken
  } while (token)
  return [...new Set(keys)].sort()
}

interface DraftFilter {
  key: string
  type: string
  values: string
}

/** The filters of a GetInventory call, edited as drafts and applied together. */
export function FilterEditor({ filters, keys, onApply }: { filters: FleetFilter[]; keys: string[]; onApply(filters: FleetFilter[]): void }) {
  const [drafts, setDrafts] = useState<DraftFilter[]>(() => filters.map((f) => ({ key: f.key, type: f.type, values: f.values.join(', ') })))
  const update = (index: number, change: Partial<DraftFilter>) => setDrafts(drafts.map((d, i) => (i === index ? { ...d, ...change } : d)))
  const submit = (event: Event) => {
    event.preventDefault()
    onApply(
      drafts
        .filter((d) => d.key.trim() !== '')
        .map((d) => ({
          key: d.key.trim(),
          type: d.type,
          values: d.type === 'Exists' ? ['true'] : d.values.split(',').map((v) => v.trim()).filter((v) => v !== ''),
        })),
    )
  }
  return (
    <form class="filters" onSubmit={submit} aria-label="Filters">
      <datalist id="attribute-keys">
        {keys.map((key) => <option key={key} value={key} />)}
      </datalist>
      {drafts.map((draft, index) => (
        <div class="filter-row" key={index}>
          <input
            aria-label="Attribute"
            list="attribute-keys"
            placeholder="AWS:InstanceInformation.PlatformType"
            value={draft.key}
            onInput={(e) => update(index, { key: e.currentTarget.value })}
          />
          <select aria-label="Operator" value={draft.type} onChange={(e) => update(index, { type: e.currentTarget.value })}>
            {FILTER_TYPES.map((type) => <option key={type} value={type}>{type}</option>)}
          </select>
          <input
            aria-label="Values"
            placeholder="values, comma separated"
            value={draft.values}
            disabled={draft.type === 'Exists'}
            onInput={(e) => update(index, { values: e.currentTarget.value })}
          />
          <button type="button" class="icon" aria-label="Remove filter" onClick={() => setDrafts(drafts.filter((_, i) => i !== index))}>×</button>
        </div>
      ))}
      <div class="filter-actions">
        <button type="button" onClick={() => setDrafts([...drafts, { key: '', type: 'Equal', values: '' }])}>+ Add filter</button>
        <button type="submit" class="primary">Apply filters</button>
        {filters.length > 0 && <button type="button" onClick={() => { setDrafts([]); onApply([]) }}>Clear</button>}
      </div>
    </form>
  )
}
