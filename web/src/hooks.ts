import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

export interface AsyncState<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload(): void
}

/**
 * Runs `load` whenever `deps` change (and on reload()), keeping the last data while a new
 * load runs; answers from superseded loads are dropped, and an error is cleared when `deps` change.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [loading, setLoading] = useState(true)
  const [generation, setGeneration] = useState(0)
  const latest = useRef(0)
  // New inputs (another connection, another query): the old ones' error no longer applies. A
  // reload() of the same inputs keeps it shown until the new answer comes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setError(undefined), deps)
  useEffect(() => {
    const call = ++latest.current
    setLoading(true)
    load().then(
      (value) => {
        if (call !== latest.current) return
        setData(value)
        setError(undefined)
        setLoading(false)
      },
      (failure: unknown) => {
        if (call !== latest.current) return
        setError(failure)
        setLoading(false)
      },
    )
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation])
  const reload = useCallback(() => setGeneration((n) => n + 1), [])
  return { data, error, loading, reload }
}

/** Calls `tick` every `ms` while `active`, without overlapping calls. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const saved = useRef(tick)
  saved.current = tick
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => saved.current(), ms)
    return () => clearInterval(timer)
  }, [ms, active])
}

/** The part of location.hash after '#', kept in state. */
export function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash.slice(1))
  useEffect(() => {
    const onChange = () => setHash(window.location.hash.slice(1))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return hash
}

export interface TokenPaging {
  /** The NextToken that fetches the current page (undefined for the first). */
  token: string | undefined
  page: number
  hasPrevious: boolean
  previous(): void
  /** Moves to the page the given NextToken starts. */
  next(token: string): void
}

/** Previous/next over NextToken paging; starts again at page 1 whenever `resetKey` changes. */
export function useTokenPaging(resetKey: string): TokenPaging {
  const [state, setState] = useState<{ key: string; tokens: (string | undefined)[] }>({ key: resetKey, tokens: [undefined] })
  const tokens = state.key === resetKey ? state.tokens : [undefined]
  return {
    token: tokens[tokens.length - 1],
    page: tokens.length,
    hasPrevious: tokens.length > 1,
    previous: () => setState({ key: resetKey, tokens: tokens.length > 1 ? tokens.slice(0, -1) : tokens }),
    next: (token) => setState({ key: resetKey, tokens: [...tokens, token] }),
  }
}
