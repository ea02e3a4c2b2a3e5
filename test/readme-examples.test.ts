/**
 * The README's examples for the AWS CLI, boto3 and the SDK v3 run as written, each against a
 * fresh server, with only the endpoint's port changed, and print what the README says.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { removeDir, startServerProcess } from './support/server-process.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const README = readFileSync(join(REPO, 'README.md'), 'utf8')
const README_ENDPOINT = 'http://127.0.0.1:4583'

/** The code block of `language` that follows the line `label` in the section on the AWS clients. */
function example(label: string, language: string): string {
  const section = README.slice(README.indexOf('## Using it from the AWS clients'))
  const start = section.indexOf(`\n${label}\n`)
  assert.ok(start >= 0, `no "${label}" example in the README`)
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section.slice(start))
  assert.ok(block, `no ${language} block after "${label}"`)
  assert.ok(block[1].includes(README_ENDPOINT), `the ${label} example does not use ${README_ENDPOINT}`)
  return block[1]
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // AWS_CONFIG_FILE: the machine's own profile must not change what the examples do.
    execFile(command, args, { cwd: REPO, timeout: 60_000, env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

/** Runs `code` (the example with the test server's endpoint in place of the README's) against a fresh server. */
async function onFreshServer(code: string, runIt: (code: string) => Promise<{ code: number; stdout: string; stderr: string }>) {
  const server = await startServerProcess()
  try {
    const result = await runIt(code.replaceAll(README_ENDPOINT, server.url))
    assert.equal(result.code, 0, `the example failed:\n${result.stderr}`)
    assert.doesNotMatch(server.output(), /"level":"(warn|error)"/)
    return result.stdout
  } finally {
    await server.stop()
    removeDir(server.dataDir)
  }
}

describe('README examples', () => {
  it('the AWS CLI example runs as written, ending with the deletion it started', async () => {
    // `aws` as the machine has it: the awscli module of python3.
    const stdout = await onFreshServer(example('AWS CLI:', 'sh'), (code) => run('bash', ['-e', '-c', `aws() { python3 -m awscli "$@"; }\n${code}`]))
    const outputs = stdout.split(/\n(?=[{[])/).filter((text) => text.trim() !== '').map((text) => JSON.parse(text))
    // put-inventory prints nothing; each of the seven other calls prints its answer.
    assert.equal(outputs.length, 7)
    const [schema, entries, filtered, aggregated, dryRun, deletion, deletions] = outputs
    assert.deepEqual(schema.Schemas.map((s: { TypeName: string }) => s.TypeName), ['Custom:RackInfo'])
    assert.deepEqual(entries.Entries, [{ Rack: 'R12', Slot: '4' }])
    assert.deepEqual(filtered.Entities.map((e: { Id: string }) => e.Id), ['i-0123456789abcdef0'])
    assert.deepEqual(aggregated.Entities[0].Data['Custom:RackInfo'].Content, [{ Rack: 'R12', Count: '1' }])
    assert.equal(dryRun.DeletionSummary.TotalCount, 1)
    assert.equal(deletions.InventoryDeletions[0].DeletionId, deletion.DeletionId)
  })

  it('the boto3 example runs as written and prints the types, the instance and the deletion\'s status', async () => {
    const stdout = await onFreshServer(example('boto3:', 'python'), (code) => run('python3', ['-c', code]))
    const lines = stdout.trim().split('\n')
    assert.deepEqual(lines.slice(0, 2), ["['AWS:InstanceInformation', 'Custom:RackInfo']", "['i-0123456789abcdef0']"])
    assert.match(lines[2], /^(InProgress|Complete)$/)
    assert.equal(lines.length, 3)
  })

  it('the SDK v3 example runs as written and prints the group\'s counts its comment shows', async () => {
    const code = example('AWS SDK for JavaScript v3:', 'js')
    const printed = /console\.log\(.*\) \/\/ (.*)$/m.exec(code)?.[1]
    assert.ok(printed, 'the example says what it prints')
    // Run as a module from the repository, so that it imports the SDK the project installs.
    const stdout = await onFreshServer(code, (text) => run(process.execPath, ['--input-type=module', '-e', text]))
    assert.equal(stdout.trim(), printed)
  })
})
