/** `ssm-inventory serve`: runs the server until SIGTERM or SIGINT, then drains and exits; SIGHUP reloads the credentials file. */
import { commandConfig, configHelp } from '../config.js'
import { CredentialsFileError } from '../protocol/authentication.js'
import { ListenError, startServer } from '../server.js'
import { PostgresUnavailableError } from '../store/postgres/postgres-store.js'
import { SqliteOpenError } from '../store/sqlite/sqlite-store.js'

export const serveUsage = `Usage: ssm-inventory serve [flags]

Serves the SSM Inventory API (AWS JSON 1.1) on http://HOST:PORT/ with an embedded SQLite store
(or PostgreSQL, with --database-url).
GET /health answers 200 once the store is open and migrated. SIGTERM or SIGINT stops it
(a second one at once); SIGHUP reads --credentials-file again.

${configHelp()}`

export async function serve(argv: string[]): Promise<number> {
  const config = commandConfig('serve', serveUsage, argv)
  if ('exitCode' in config) return config.exitCode
  // Listening for signals before starting: one that arrives during start-up still stops
  // the server cleanly once it is up. The first signal starts the shutdown; a second one
  // (either kind) finds no listener and ends the process at once.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  let server
  try {
    server = await startServer(config)
  } catch (error) {
    // What an operator can fix: the keys, the database, the address. Anything else is a fault of the program.
    const expected = [CredentialsFileError, PostgresUnavailableError, SqliteOpenError, ListenError]
    if (!expected.some((kind) => error instanceof kind)) throw error
    process.stderr.write(`ssm-inventory serve: ${(error as Error).message}\n`)
    return 2
  }
  // SIGHUP rotates keys: the credentials file is read again (and the process is not ended, as
  // it would be by default).
  const reload = () => void server.reloadCredentials()
  process.on('SIGHUP', reload)
  await stopRequested
  process.off('SIGHUP', reload)
  await server.close()
  // Everything is closed, but a socket to a database host that vanished (no FIN ever comes
  // back) would keep the process alive for good: it ends now whatever is left.
  setTimeout(() => process.exit(), 1000).unref()
  return 0
}
