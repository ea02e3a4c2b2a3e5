#!/usr/bin/env node
/** The `ssm-inventory` command. */
import { inventoryCommandsUsage, runInventoryCommand, UsageError } from './inventory-commands.js'
import { migrate, migrateUsage } from './migrate.js'
import { serve, serveUsage } from './serve.js'

const usage = `Usage: ssm-inventory <command> [flags]

Commands:
  serve     run the SSM Inventory server (what 'npm start' runs)
  migrate   create or update the store's schema, and exit

${inventoryCommandsUsage}

${serveUsage}

${migrateUsage}`

/** The SDK warns on every run that its 2027 releases will need Node 22: noise for a command-line user. */
function quietSdkNodeWarning(): void {
  const emitWarning = process.emitWarning.bind(process)
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = `${typeof warning === 'string' ? warning : warning.name} ${JSON.stringify(rest)}`
    if (text.includes('NodeVersionSupportWarning')) return
    ;(emitWarning as (...args: unknown[]) => void)(warning, ...rest)
  }) as typeof process.emitWarning
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'migrate':
      return migrate(rest)
    case 'types':
    case 'instances':
    case 'count':
    case 'deletions':
    case 'delete':
    case 'import':
    case 'export':
      quietSdkNodeWarning()
      try {
        return await runInventoryCommand(command, rest)
      } catch (error) {
        if (error instanceof UsageError) {
          process.stderr.write(`ssm-inventory ${command}: ${error.message}\n\n${inventoryCommandsUsage}\n`)
          return 2
        }
        // A refusal of the service: its error name and message, as the AWS CLI shows them.
        const name = (error as { name?: string }).name
        process.stderr.write(`ssm-inventory ${command}: ${name ? `${name}: ` : ''}${(error as Error).message}\n`)
        return 1
      }
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
