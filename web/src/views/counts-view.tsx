/**
 * Counts: how many instances hold each value of an attribute, or each combination of the
 * values of two (GetInventory with an Aggregator, nested for the second), over the instances
 * the filters select. The counting is the server's; this view only lays the rows out.
 */
import { GetInventoryCommand, type SSMClient } from '@aws-sdk/client-ssm'
import { useState } from 'preact/hooks'
import { ErrorBanner, Loading } from '../components/common'
import { useAsync } from '../hooks'
import { routeHref, type FleetFilter } from '../routes'
import { attributeKeys, FilterEditor, inventoryFilters } from './fleet-view'

/** Rows laid out at most: a table of tens of thousands of rows makes the page crawl. */
const SHOWN_ROWS = 1000

interface Props {
  client: SSMClient
  /** `TypeName.Attribute` to count by; nothing is asked while it is empty. */
  by: string
  /** A second `TypeName.Attribute` counted within each value of the first, or ''. */
  then: string
  filters: FleetFilter[]
  navigate(href: string): void
  onConnection(): void
}

export function CountsView({ client, by, then, filters, navigate, onConnection }: Props) {
  const query = JSON.stringify([by, then, filters])
  const answer = useAsync(
    async () =>
      by === ''
        ? undefined
        : client.send(
            new GetInventoryCommand({
              Filters: inventoryFilters(filters),
              Aggregators: [{ Expression: by, Aggregators: then === '' ? undefined : [{ Expression: then }] }],
            }),
          ),
    [client, query],
  )
  const keys = useAsync(() => attributeKeys(client), [client])
  const go = (next: { by?: string; then?: string; filters?: FleetFilter[] }) => navigate(routeHref({ view: 'counts', by, then, filters, ...next }))

  // One entity without an Id; its Data holds the rows under the expression's type name.
  const rows = Object.values(answer.data?.Entities?.[0]?.Data ?? {}).flatMap((item) => item.Content ?? [])
  const columns = rows.length === 0 ? [] : Object.keys(rows[0]).filter((key) => key !== 'Count')
  // The rows name the first type's attribute alone and another type's as Type.Attribute: head them with the expressions asked.
  const expressions = [by, then].filter((e) => e !== '')
  const headings = columns.length === expressions.length ? expressions : columns
  // An answer may hold up to 100,000 combinations: the largest counts, the first rows are shown.
  const largest = rows.reduce((most, row) => Math.max(most, Number(row.Count ?? 0)), 1)
  const shown = rows.slice(0, SHOWN_ROWS)
  return (
    <section>
      <header class="view-header">
        <h1>Counts</h1>
        <Loading when={answer.loading && by !== ''} />
      </header>
      <FilterEditor key={JSON.stringify(filters)} filters={filters} keys={keys.data ?? []} onApply={(next) => go({ filters: next })} />
      <ExpressionForm key={`${by}\n${then}`} by={by} then={then} onApply={(next) => go(next)} />
      <ErrorBanner error={answer.error ?? keys.error} onConnection={onConnection} />
      {by !== '' && answer.error === undefined && (
        <table class="grid" data-testid="counts-table">
          <thead>
            <tr>
              {headings.map((heading) => <th key={heading}>{heading}</th>)}
              <th>Instances</th>
              <th class="bar-column" aria-hidden="true" />
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={columns.map((column) => row[column]).join('\n')}>
                {columns.map((column) => <td key={column}>{row[column] ?? '—'}</td>)}
                <td class="number">{row.Count}</td>
                <td class="bar-column" aria-hidden="true">
                  <div class="count-bar" style={{ width: `${(100 * Number(row.Count ?? 0)) / largest}%` }} />
                </td>
              </tr>
            ))}
            {!answer.loading && rows.length === 0 && (
              <tr>
                <td colSpan={columns.length + 2} class="empty">No instance has a value for {then === '' ? 'this attribute' : 'both attributes'}.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {rows.length > shown.length && (
        <p class="meta">The first {shown.length.toLocaleString('en')} of {rows.length.toLocaleString('en')} rows are shown: narrow them with filters.</p>
      )}
    </section>
  )
}

function ExpressionForm({ by, then, onApply }: { by: string; then: string; onApply(next: { by: string; then: string }): void }) {
  const [draft, setDraft] = useState({ by, then })
  const submit = (event: Event) => {
    event.preventDefault()
    onApply({ by: draft.by.trim(), then: draft.by.trim() === '' ? '' : draft.then.trim() })
  }
  return (
    <form class="filters" onSubmit={submit} aria-label="Count by">
      <div class="expression-row">
        <input aria-label="Count instances by" list="attribute-keys" placeholder="AWS:InstanceInformation.PlatformType" value={draft.by} onInput={(e) => setDraft({ ...draft, by: e.currentTarget.value })} />
        <input aria-label="Then by" list="attribute-keys" placeholder="then by (optional)" value={draft.then} onInput={(e) => setDraft({ ...draft, then: e.currentTarget.value })} />
        <button type="submit" class="primary">Count</button>
      </div>
    </form>
  )
}
