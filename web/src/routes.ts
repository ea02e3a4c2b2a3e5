/** The console's pages, addressed by the URL fragment so every view can be bookmarked. */
export type Route =
  | { view: 'fleet'; filters: FleetFilter[]; pageSize: number }
  | { view: 'instance'; instanceId: string; typeName?: string }
  | { view: 'types' }
  | { view: 'deletions'; deletionId?: string }
  | { view: 'counts'; by: string; then: string; filters: FleetFilter[] }

export interface FleetFilter {
  key: string
  type: string
  values: string[]
}

export const FILTER_TYPES = ['Equal', 'NotEqual', 'BeginWith', 'LessThan', 'GreaterThan', 'Exists'] as const
export const PAGE_SIZES = [10, 25, 50] as const

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.split('?', 2)
  const params = new URLSearchParams(search)
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  switch (parts[0]) {
    case 'instances':
      if (parts[1]) return { view: 'instance', instanceId: parts[1], typeName: parts[2] }
      break
    case 'types':
      return { view: 'types' }
    case 'deletions':
      return { view: 'deletions', deletionId: parts[1] }
    case 'counts':
      return { view: 'counts', by: params.get('by') ?? '', then: params.get('then') ?? '', filters: parseFilters(params.get('filters')) }
  }
  return { view: 'fleet', filters: parseFilters(params.get('filters')), pageSize: parsePageSize(params.get('size')) }
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'instance':
      return `#/instances/${encodeURIComponent(route.instanceId)}${route.typeName ? `/${encodeURIComponent(route.typeName)}` : ''}`
    case 'types':
      return '#/types'
    case 'deletions':
      return route.deletionId ? `#/deletions/${encodeURIComponent(route.deletionId)}` : '#/deletions'
    case 'counts': {
      const params = new URLSearchParams()
      if (route.by) params.set('by', route.by)
      if (route.then) params.set('then', route.then)
      if (route.filters.length > 0) params.set('filters', JSON.stringify(route.filters))
      const query = params.toString()
      return `#/counts${query ? `?${query}` : ''}`
    }
    case 'fleet': {
      const params = new URLSearchParams()
      if (route.filters.length > 0) params.set('filters', JSON.stringify(route.filters))
      if (route.pageSize !== PAGE_SIZES[1]) params.set('size', String(route.pageSize))
      const query = params.toString()
      return `#/fleet${query ? `?${query}` : ''}`
    }
  }
}

function parseFilters(text: string | null): FleetFilter[] {
  if (!text) return []
  try {
    const value = JSON.parse(text) as unknown
    if (!Array.isArray(value)) return []
    return value.filter(
      (f): f is FleetFilter => typeof f?.key === 'string' && typeof f?.type === 'string' && Array.isArray(f?.values) && f.values.every((v: unknown) => typeof v === 'string'),
    )
  } catch {
    return []
  }
}

function parsePageSize(text: string | null): number {
  const size = Number(text)
  return (PAGE_SIZES as readonly number[]).includes(size) ? size : PAGE_SIZES[1]
}
