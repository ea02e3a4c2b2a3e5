/**
 * Bounded runs of the fuzz and crash harnesses (fuzz/): `npm run fuzz` runs them longer
 * with a random seed. Fixed seeds here, so a failure is reproduced by the same run.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runCrashHarness } from '../fuzz/crash.js'
import { runFuzz } from '../fuzz/harness.js'
import { removeDir, startServerProcess, tempDataDir } from './support/server-process.js'

describe('hardening', () => {
  it('answers 2,000 generated hostile requests with 4xx of the right family, keeps its data and stays up', async () => {
    const maxBodyBytes = 1024 * 1024
    const requestTimeoutMs = 1500
    const server = await startServerProcess({ args: ['--max-body-bytes', String(maxBodyBytes), '--request-timeout-ms', String(requestTimeoutMs)] })
    try {
      const report = await runFuzz({ url: server.url, count: 2000, seed: 20261122, maxBodyBytes, requestTimeoutMs })
      assert.deepEqual(report.findings, [])
      assert.ok(report.rejected > 1000, `most generated requests are refused (${report.rejected})`)
      assert.ok(report.accepted > 100, `and some are valid (${report.accepted})`)
      assert.doesNotMatch(server.output(), /unexpected error/)
    } finally {
      await server.stop()
      removeDir(server.dataDir)
    }
  })

  it('loses no acknowledged put, shows no half put and finishes every deletion exactly across 20 kill -9', async () => {
    const dataDir = tempDataDir()
    try {
      const report = await runCrashHarness({ dataDir, rounds: 20, seed: 20261122 })
      assert.deepEqual(report.findings, [])
      assert.equal(report.killPoints, 20)
      assert.ok(report.acknowledgedPuts > 100, `puts were acknowledged between kills (${report.acknowledgedPuts})`)
      assert.ok(report.deletionsResumed >= 2, `kills landed in the middle of deletions (${report.deletionsResumed} of ${report.deletionsKilled})`)
    } finally {
      removeDir(dataDir)
    }
  })
})
