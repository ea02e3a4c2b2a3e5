/**
 * Deletions: every deletion of the account and region (DescribeInventoryDeletions) with its
 * progress per schema version, polled while any is in progress so the bars move on their own.
 */
import { DescribeInventoryDeletionsCommand, type InventoryDeletionStatusItem, type SSMClient } from '@aws-sdk/client-ssm'
import { ErrorBanner, formatTime, Loading, Pager, ProgressBar } from '../components/common'
import { useAsync, useInterval, useTokenPaging } from '../hooks'
import { routeHref } from '../routes'

const FAST_POLL_MS = 1000
const SLOW_POLL_MS = 5000

interface Props {
  client: SSMClient
  deletionId: string | undefined
  onConnection(): void
}

export function DeletionsView({ client, deletionId, onConnection }: Props) {
  const paging = useTokenPaging('deletions')
  const list = useAsync(() => client.send(new DescribeInventoryDeletionsCommand({ MaxResults: 25, NextToken: paging.token })), [client, paging.token])
  const focused = useAsync(
    async () => (deletionId ? (await client.send(new DescribeInventoryDeletionsCommand({ DeletionId: deletionId }))).InventoryDeletions?.[0] : undefined),
    [client, deletionId],
  )
  const deletions = list.data?.InventoryDeletions ?? []
  const busy = deletions.some((d) => d.LastStatus === 'InProgress') || focused.data?.LastStatus === 'InProgress'
  useInterval(
    () => {
      if (!list.loading) list.reload()
      if (deletionId && !focused.loading) focused.reload()
    },
    busy ? FAST_POLL_MS : SLOW_POLL_MS,
    true,
  )
  return (
    <section>
      <header class="view-header">
        <h1>Deletions</h1>
        <span class="meta">{busy ? 'updating every second' : 'updating every 5 seconds'}</span>
      </header>
      <ErrorBanner error={list.error ?? focused.error} onConnection={onConnection} />
      {deletionId && (
        <div data-testid="focused-deletion">
          {focused.data ? <DeletionCard deletion={focused.data} focused /> : <Loading when={focused.loading} />}
        </div>
      )}
      <h2>All deletions</h2>
      {deletions.length === 0 && !list.loading && <p class="empty">No deletions yet.</p>}
      <div class="cards" data-testid="deletions-list">
        {deletions.map((deletion) => <DeletionCard key={deletion.DeletionId} deletion={deletion} />)}
      </div>
      <Pager paging={paging} nextToken={list.data?.NextToken} />
    </section>
  )
}

function DeletionCard({ deletion, focused = false }: { deletion: InventoryDeletionStatusItem; focused?: boolean }) {
  const summary = deletion.DeletionSummary
  const total = summary?.TotalCount ?? 0
  const remaining = summary?.RemainingCount ?? 0
  const complete = deletion.LastStatus === 'Complete'
  return (
    <article class={focused ? 'card focused' : 'card'} data-deletion-id={deletion.DeletionId} data-status={deletion.LastStatus}>
      <header>
        <strong>{deletion.TypeName}</strong>
        <span class={`badge ${complete ? 'ok' : 'warn'}`} data-testid="deletion-status">{deletion.LastStatus}</span>
        {!focused && deletion.DeletionId && <a href={routeHref({ view: 'deletions', deletionId: deletion.DeletionId })} class="meta">{deletion.DeletionId}</a>}
        {focused && <span class="meta">{deletion.DeletionId}</span>}
      </header>
      <p class="meta">
        Started {formatTime(deletion.DeletionStartTime)} · last update {formatTime(deletion.LastStatusUpdateTime)}
        {deletion.LastStatusMessage && <> · {deletion.LastStatusMessage}</>}
      </p>
      <div class="progress-row">
        <span>All versions</span>
        <ProgressBar done={total - remaining} total={total} label={`${deletion.TypeName} overall`} />
        <span class="numbers" data-testid="remaining-total">{remaining} of {total} remaining</span>
      </div>
      {(summary?.SummaryItems ?? []).map((item) => (
        <div class="progress-row" key={item.Version} data-version={item.Version}>
          <span>Version {item.Version}</span>
          <ProgressBar done={(item.Count ?? 0) - (item.RemainingCount ?? 0)} total={item.Count ?? 0} label={`version ${item.Version}`} />
          <span class="numbers">{item.RemainingCount} of {item.Count} remaining</span>
        </div>
      ))}
    </article>
  )
}
