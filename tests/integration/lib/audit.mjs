// Reading the gateway's JSON Lines audit log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every record of the audit log; each line must be one JSON object. */
export function readAudit(file) {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), `audit log does not end with a newline: ${text.slice(-200)}`);
  return text.slice(0, -1).split('\n').map((line, i) => {
    let rec;
    assert.doesNotThrow(() => { rec = JSON.parse(line); }, `audit line ${i + 1} is not JSON: ${line}`);
    assert.equal(typeof rec, 'object', `audit line ${i + 1} is not an object: ${line}`);
    assert.ok(rec !== null && !Array.isArray(rec), `audit line ${i + 1} is not an object: ${line}`);
    return rec;
  });
}

/** Poll the audit log until a record satisfies |pred|; returns all records. */
export async function waitForAudit(file, pred, timeout = 30_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const recs = readAudit(file);
    if (recs.some(pred)) return recs;
    if (Date.now() > end)
      throw new Error(`no matching audit record in ${timeout} ms; log:\n${recs.map((r) => JSON.stringify(r)).join('\n')}`);
    await sleep(50);
  }
}

/** The server pid from the session_start record (waits for it). */
export async function serverPid(file) {
  const recs = await waitForAudit(file, (r) => r.event === 'session_start');
  const pid = recs.find((r) => r.event === 'session_start').server_pid;
  assert.ok(Number.isInteger(pid) && pid > 0, `session_start has no server_pid: ${JSON.stringify(recs[0])}`);
  return pid;
}
