#!/usr/bin/env node
/** The `ssm-inventory` command. */
import { serve, serveUsage } from './serve.js'

const usage = `Usage: ssm-inventory <command> [flags]

Commands:
  serve     run the SSM Inventory server (what 'npm start' runs)

${serveUsage}`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${usage}\n`)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`ssm-inventory: unknown command '${command}'\n\n${usage}\n`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.stderr.write(`ssm-inventory: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
