/**
 * Types: every schema (GetInventorySchema) with its version and attributes. A custom type
 * can be deleted here: the dialog shows the dry-run summary (DeleteInventory DryRun) of what
 * would go, version by version, before anything is started.
 */
import {
  DeleteInventoryCommand,
  GetInventorySchemaCommand,
  type InventoryDeletionSummary,
  type InventoryItemSchema,
  type InventorySchemaDeleteOption,
  type SSMClient,
} from '@aws-sdk/client-ssm'
import { useState } from 'preact/hooks'
import { ErrorBanner, Loading } from '../components/common'
import { useAsync } from '../hooks'
import { routeHref } from '../routes'

interface Props {
  client: SSMClient
  navigate(href: string): void
  onConnection(): void
}

export function TypesView({ client, navigate, onConnection }: Props) {
  const schemas = useAsync(() => allSchemas(client), [client])
  const [deleting, setDeleting] = useState<string | undefined>(undefined)
  return (
    <section>
      <header class="view-header">
        <h1>Types</h1>
        <Loading when={schemas.loading} />
        <button type="button" onClick={schemas.reload}>Refresh</button>
      </header>
      <ErrorBanner error={schemas.error} onConnection={onConnection} />
      <table class="grid" data-testid="types-table">
        <thead>
          <tr>
            <th>Type</th>
            <th>Version</th>
            <th>Attributes</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(schemas.data ?? []).map((schema) => (
            <tr key={schema.TypeName} data-type-name={schema.TypeName}>
              <td>
                <strong>{schema.TypeName}</strong>
                {schema.DisplayName && <div class="meta">{schema.DisplayName}</div>}
              </td>
              <td>{schema.Version ?? '—'}</td>
              <td>
                <ul class="attributes">
                  {(schema.Attributes ?? []).map((attribute) => (
                    <li key={attribute.Name}>
                      {attribute.Name} <span class="meta">{attribute.DataType}</span>
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {schema.TypeName?.startsWith('Custom:') && (
                  <button type="button" class="danger" onClick={() => setDeleting(schema.TypeName)}>Delete…</button>
                )}
              </td>
            </tr>
          ))}
          {!schemas.loading && schemas.data?.length === 0 && (
            <tr>
              <td colSpan={4} class="empty">No inventory has been reported yet.</td>
            </tr>
          )}
        </tbody>
      </table>
      {deleting && (
        <DeleteDialog
          client={client}
          typeName={deleting}
          onCancel={() => setDeleting(undefined)}
          onStarted={(deletionId) => navigate(routeHref({ view: 'deletions', deletionId }))}
          onConnection={onConnection}
        />
      )}
    </section>
  )
}

async function allSchemas(client: SSMClient): Promise<InventoryItemSchema[]> {
  const schemas: InventoryItemSchema[] = []
  let token: string | undefined
  do {
    const page = await client.send(new GetInventorySchemaCommand({ MaxResults: 200, NextToken: token }))
    schemas.push(...(page.Schemas ?? []))
    token = page.NextToken
  } while (token)
  return schemas.sort((a, b) => (a.TypeName ?? '').localeCompare(b.TypeName ?? ''))
}

const SCHEMA_OPTIONS: { value: InventorySchemaDeleteOption | ''; label: string; help: string }[] = [
  { value: '', label: 'Keep the schema', help: 'Delete the data; the type and its schema stay.' },
  { value: 'DisableSchema', label: 'Disable the schema', help: 'Delete the data and refuse new data for this version and older ones until a newer version is put.' },
  { value: 'DeleteSchema', label: 'Delete the schema', help: 'Delete the data and the type itself.' },
]

function DeleteDialog(props: { client: SSMClient; typeName: string; onCancel(): void; onStarted(deletionId: string): void; onConnection(): void }) {
  const { client, typeName } = props
  const [option, setOption] = useState<InventorySchemaDeleteOption | ''>('')
  const [starting, setStarting] = useState(false)
  const [startError, setStartError] = useState<unknown>(undefined)
  const dryRun = useAsync(
    () => client.send(new DeleteInventoryCommand({ TypeName: typeName, DryRun: true, SchemaDeleteOption: option || undefined })),
    [client, typeName, option],
  )
  const start = async () => {
    setStarting(true)
    setStartError(undefined)
    try {
      const result = await client.send(
        new DeleteInventoryCommand({ TypeName: typeName, SchemaDeleteOption: option || undefined, ClientToken: crypto.randomUUID() }),
      )
      props.onStarted(result.DeletionId ?? '')
    } catch (error) {
      setStartError(error)
      setStarting(false)
    }
  }
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete {typeName}</h2>
        <fieldset>
          <legend>Schema</legend>
          {SCHEMA_OPTIONS.map((choice) => (
            <label key={choice.value} class="choice">
              <input type="radio" name="schema-option" value={choice.value} checked={option === choice.value} onChange={() => setOption(choice.value)} />
              <span>
                {choice.label}
                <span class="meta"> — {choice.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <h3>Dry run</h3>
        <Loading when={dryRun.loading} />
        <ErrorBanner error={dryRun.error} onConnection={props.onConnection} />
        {dryRun.data?.DeletionSummary && <Summary summary={dryRun.data.DeletionSummary} />}
        <ErrorBanner error={startError} onConnection={props.onConnection} />
        <div class="dialog-actions">
          <button type="button" onClick={props.onCancel}>Cancel</button>
          <button type="button" class="danger" disabled={starting || dryRun.data === undefined} onClick={() => void start()}>
            {starting ? 'Starting…' : `Delete ${dryRun.data?.DeletionSummary?.TotalCount ?? ''} items`}
          </button>
        </div>
      </div>
    </div>
  )
}

function Summary({ summary }: { summary: InventoryDeletionSummary }) {
  return (
    <table class="grid compact" data-testid="dry-run-summary">
      <thead>
        <tr>
          <th>Schema version</th>
          <th>Items</th>
        </tr>
      </thead>
      <tbody>
        {(summary.SummaryItems ?? []).map((item) => (
          <tr key={item.Version}>
            <td>{item.Version}</td>
            <td>{item.Count}</td>
          </tr>
        ))}
        <tr class="total">
          <td>Total</td>
          <td data-testid="dry-run-total">{summary.TotalCount}</td>
        </tr>
      </tbody>
    </table>
  )
}
