/** `ssm-inventory serve`: runs the server until SIGTERM or SIGINT, then drains and exits. */
import { ConfigError, configHelp, loadConfig } from '../config.js'
import { startServer } from '../server.js'

export const serveUsage = `Usage: ssm-inventory serve [flags]

Serves the SSM Inventory API (AWS JSON 1.1) on http://HOST:PORT/ with an embedded SQLite store.
GET /health answers 200 once the store is open and migrated.

${configHelp()}`

export async function serve(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${serveUsage}\n`)
    return 0
  }
  let config
  try {
    config = loadConfig(argv, process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`ssm-inventory serve: ${error.message}\nRun 'ssm-inventory serve --help' for the flags.\n`)
    return 2
  }
  const server = await startServer(config)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
  await server.close()
  return 0
}
