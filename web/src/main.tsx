/**
 * The ssm-inventory web console: fleet, instance, types, counts and deletions views over the public
 * SSM API of the server that serves it.
 */
import { render } from 'preact'
import { useMemo, useState } from 'preact/hooks'
import { ConnectionDialog } from './components/connection-dialog'
import { createClient, loadConnection, saveConnection, type Connection } from './connection'
import { useHash } from './hooks'
import { parseRoute, type Route } from './routes'
import './styles.css'
import { CountsView } from './views/counts-view'
import { DeletionsView } from './views/deletions-view'
import { FleetView } from './views/fleet-view'
import { InstanceView } from './views/instance-view'
import { TypesView } from './views/types-view'

const NAVIGATION: { view: Route['view']; href: string; label: string }[] = [
  { view: 'fleet', href: '#/fleet', label: 'Fleet' },
  { view: 'types', href: '#/types', label: 'Types' },
  { view: 'counts', href: '#/counts', label: 'Counts' },
  { view: 'deletions', href: '#/deletions', label: 'Deletions' },
]

function App() {
  const [connection, setConnection] = useState<Connection>(loadConnection)
  const [editingConnection, setEditingConnection] = useState(false)
  const client = useMemo(() => createClient(connection), [connection])
  const route = parseRoute(useHash())
  const navigate = (href: string) => {
    window.location.hash = href
  }
  const openConnection = () => setEditingConnection(true)
  const current = route.view === 'instance' ? 'fleet' : route.view
  return (
    <>
      <header class="top">
        <a class="brand" href="#/fleet">ssm-inventory</a>
        <nav>
          {NAVIGATION.map((item) => (
            <a key={item.view} href={item.href} class={item.view === current ? 'active' : undefined} aria-current={item.view === current ? 'page' : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <button type="button" class="connection" onClick={openConnection} title="Region and access key the console signs its calls with">
          {connection.region} · {connection.accessKeyId}
        </button>
      </header>
      <main>
        {route.view === 'fleet' && <FleetView client={client} filters={route.filters} pageSize={route.pageSize} navigate={navigate} onConnection={openConnection} />}
        {route.view === 'instance' && <InstanceView client={client} instanceId={route.instanceId} typeName={route.typeName} onConnection={openConnection} />}
        {route.view === 'types' && <TypesView client={client} navigate={navigate} onConnection={openConnection} />}
        {route.view === 'counts' && <CountsView client={client} by={route.by} then={route.then} filters={route.filters} navigate={navigate} onConnection={openConnection} />}
        {route.view === 'deletions' && <DeletionsView client={client} deletionId={route.deletionId} onConnection={openConnection} />}
      </main>
      {editingConnection && (
        <ConnectionDialog
          connection={connection}
          onCancel={() => setEditingConnection(false)}
          onSave={(next) => {
            saveConnection(next)
            setConnection(next)
            setEditingConnection(false)
          }}
        />
      )}
    </>
  )
}

render(<App />, document.getElementById('app')!)
