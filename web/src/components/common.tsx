import type { ComponentChildren } from 'preact'
import { CREDENTIAL_ERRORS } from '../connection'
import type { TokenPaging } from '../hooks'

/** An API error as the service named it (`__type`), or whatever else went wrong. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    if (error.name === 'TypeError' && /fetch/i.test(error.message)) return { name: 'Network error', message: 'The server could not be reached.' }
    return { name: error.name, message: error.message }
  }
  return { name: 'Error', message: String(error) }
}

export function ErrorBanner({ error, onConnection }: { error: unknown; onConnection?: () => void }) {
  if (error === undefined) return null
  const { name, message } = describeError(error)
  return (
    <div class="banner error" role="alert">
      <strong>{name}</strong> {message}
      {CREDENTIAL_ERRORS.has(name) && onConnection && (
        <>
          {' '}
          <button type="button" class="link" onClick={onConnection}>Change connection…</button>
        </>
      )}
    </div>
  )
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const percent = total === 0 ? 100 : Math.min(100, Math.round((done / total) * 100))
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
      <div class="progress-fill" style={{ width: `${percent}%` }} />
      <span class="progress-text">{percent}%</span>
    </div>
  )
}

/** Previous / next over NextToken pages; `nextToken` is the one the current page returned. */
export function Pager({ paging, nextToken, children }: { paging: TokenPaging; nextToken: string | undefined; children?: ComponentChildren }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={paging.previous} disabled={!paging.hasPrevious}>← Previous</button>
      <span class="page-number">Page {paging.page}</span>
      <button type="button" onClick={() => nextToken && paging.next(nextToken)} disabled={nextToken === undefined}>Next →</button>
      {children}
    </nav>
  )
}

export function formatTime(value: Date | string | undefined): string {
  if (value === undefined) return ''
  const date = typeof value === 'string' ? new Date(value) : value
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

export function Loading({ when }: { when: boolean }) {
  return when ? <span class="loading" aria-live="polite">Loading…</span> : null
}
