// Starting, stopping and exit statuses, over raw pipes with the demo server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { readAudit, serverPid } from './lib/audit.mjs';
import { DEMO_SERVER, GATEWAY, serverBin } from './lib/env.mjs';
import { baseEnv, demoArgs, resultText, startGateway, until } from './lib/gateway.mjs';
import { isAlive, waitGone } from './lib/proc.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { tmpDir } from './lib/tmp.mjs';

const T = { timeout: 90_000 };

const req = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const callReq = (id, name, args = {}, extra = {}) => req(id, 'tools/call', { name, arguments: args, ...extra });

/** Run the gateway to completion with no input (for CLI errors). */
function runGateway(args, opts = {}) {
  const r = spawnSync(GATEWAY, args, { input: '', encoding: 'utf8', timeout: 30_000, env: baseEnv(), ...opts });
  if (r.error) throw r.error;
  return r;
}

describe('shutdown', () => {
  test('client EOF right after the requests: every answer arrives, exit 0', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    const reqs = [
      req(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } }),
      req(2, 'tools/list'),
      callReq(3, 'echo', { text: 'before' }),
      callReq(4, 'sleep', { ms: 300 }),
      callReq(5, 'echo', { text: 'after the sleep' }),
      req(6, 'ping'),
    ];
    await gw.write(reqs.map((r) => JSON.stringify(r) + '\n').join(''));
    gw.end();
    const [init, list, e1, slept, e2, ping] = await Promise.all(reqs.map((r) => gw.response(r.id)));
    assert.equal(init.result.serverInfo.name, 'assay-demo-server');
    assert.ok(list.result.tools.some((x) => x.name === 'sleep'));
    assert.equal(resultText(e1), 'before');
    assert.equal(resultText(slept), 'slept 300 ms');
    assert.equal(resultText(e2), 'after the sleep');
    assert.deepEqual(ping.result, {});
    assert.deepEqual(await gw.waitExit(), { code: 0, signal: null });
    assert.deepEqual(gw.nonJson, []);
  });

  test('client EOF with a request that never ends: answered -32051 after --drain-timeout, exit 0', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--drain-timeout', '300ms', '--grace', '5s']));
    await gw.initialize();
    await gw.send(callReq('stuck', 'hang'));
    assert.equal(resultText(await gw.call('ok', 'echo', { text: 'answered' })), 'answered');
    gw.end();
    const r = await gw.response('stuck');
    assert.equal(r.error?.code, -32051, JSON.stringify(r));
    // The server exits by itself once its stdin is closed: its status, 0.
    assert.deepEqual(await gw.waitExit(), { code: 0, signal: null });
    assert.match(gw.stderr, /still unanswered/);
  });

  test('SIGTERM to the gateway stops the server and answers the request in flight', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit]));
    await gw.initialize();
    const pid = await serverPid(audit);
    assert.ok(isAlive(pid));
    // A long sleep with progress: once the first progress arrives the server
    // is busy in the call and will not see its stdin close.
    await gw.send(callReq(7, 'sleep', { ms: 120_000 }, { _meta: { progressToken: 'p7' } }));
    await gw.waitFor((m) => m.method === 'notifications/progress' && m.params.progressToken === 'p7', 'progress');
    gw.kill('SIGTERM');
    const resp = await gw.response(7);
    assert.equal(resp.error?.code, -32051);
    assert.match(resp.error.message, /SIGTERM/);
    assert.deepEqual(await gw.waitExit(), { code: 143, signal: null });
    assert.ok(await waitGone(pid), `server ${pid} still running`);
    const exit = readAudit(audit).at(-1);
    assert.equal(exit.event, 'exit');
    assert.equal(exit.decided_by, 'gateway');
    assert.equal(exit.exit_code, 143);
    assert.match(exit.reason, /SIGTERM/);
  });

  test('a server that ignores stdin EOF gets SIGTERM after the grace: exit 143', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--grace', '300ms', '--audit', audit], ['--ignore-eof']));
    await gw.initialize();
    assert.equal(resultText(await gw.call(2, 'echo', { text: 'hi' })), 'hi');
    const pid = await serverPid(audit);
    gw.end();
    assert.deepEqual(await gw.waitExit(), { code: 143, signal: null });
    assert.ok(await waitGone(pid), `server ${pid} still running`);
    const exit = readAudit(audit).at(-1);
    assert.equal(exit.event, 'exit');
    assert.equal(exit.decided_by, 'gateway');
    assert.equal(exit.exit_code, 143);
    assert.equal(exit.server_signal, 'SIGTERM');
  });

  test('a server that ignores EOF and SIGTERM gets SIGKILL after a second grace: exit 137', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--grace', '300ms', '--audit', audit], ['--ignore-eof', '--ignore-sigterm']));
    await gw.initialize();
    const pid = await serverPid(audit);
    gw.end();
    assert.deepEqual(await gw.waitExit(), { code: 137, signal: null });
    assert.ok(await waitGone(pid), `server ${pid} still running`);
    const exit = readAudit(audit).at(-1);
    assert.equal(exit.decided_by, 'gateway');
    assert.equal(exit.exit_code, 137);
    assert.equal(exit.server_signal, 'SIGKILL');
  });

  test('a second SIGTERM kills a server that ignores the first at once', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    // A grace far longer than the test's wait: only the second signal can
    // end this session in time.
    const gw = startGateway(t, demoArgs(['--grace', '3600s', '--audit', audit], ['--ignore-eof', '--ignore-sigterm']));
    await gw.initialize();
    const pid = await serverPid(audit);
    gw.kill('SIGTERM');
    await until(() => /received SIGTERM/.test(gw.stderr), 'the first SIGTERM to be handled');
    gw.kill('SIGTERM');
    assert.deepEqual(await gw.waitExit(20_000), { code: 137, signal: null });
    assert.ok(await waitGone(pid), `server ${pid} still running`);
  });

  test('SIGINT and SIGHUP stop the session like SIGTERM', T, async (t) => {
    for (const sig of ['SIGINT', 'SIGHUP']) {
      const gw = startGateway(t, demoArgs(['--grace', '300ms'], ['--ignore-eof']));
      await gw.initialize();
      gw.kill(sig);
      assert.deepEqual(await gw.waitExit(), { code: 143, signal: null }, sig);
      assert.match(gw.stderr, new RegExp(`received ${sig}`));
    }
  });

  test('the client closes its end of stdout: the gateway stops', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--grace', '300ms', '--audit', audit]));
    await gw.initialize();
    const pid = await serverPid(audit);
    gw.proc.stdout.destroy();
    // The next answer cannot be delivered; the gateway notices and stops.
    // It may stop before the second request is written: then that write
    // fails (EPIPE), which is the behaviour under test, not an error.
    for (const [id, text] of [[2, 'nobody reads this'], [3, 'nor this']]) {
      try {
        await gw.send(callReq(id, 'echo', { text }));
      } catch (e) {
        assert.match(e.message, /EPIPE|ended|destroyed/, e.message);
        break;
      }
    }
    const { code } = await gw.waitExit();
    assert.ok(code !== null && code !== 2, `exit ${code}`);
    assert.ok(await waitGone(pid), `server ${pid} still running`);
    assert.equal(readAudit(audit).at(-1).event, 'exit');
  });

  test('SIGKILL of the gateway: the server goes too', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit]));
    await gw.initialize();
    const pid = await serverPid(audit);
    assert.ok(isAlive(pid), 'server not running before the kill');
    gw.kill('SIGKILL');
    assert.deepEqual(await gw.waitExit(), { code: null, signal: 'SIGKILL' });
    assert.ok(await waitGone(pid, 5000), `server ${pid} survived the gateway's SIGKILL`);
  });
});

describe('the server ends on its own', () => {
  test('crash with requests in flight: -32051 saying how it ended, exit 134', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize();
    await gw.send(callReq('hung', 'hang'));
    await gw.send(callReq('boom', 'crash'));
    const hung = await gw.response('hung');
    assert.equal(hung.error?.code, -32051, JSON.stringify(hung));
    assert.match(hung.error.message, /SIGABRT/);
    const boom = await gw.response('boom');
    assert.equal(boom.error?.code, -32051, JSON.stringify(boom));
    assert.deepEqual(await gw.waitExit(), { code: 134, signal: null });
    assert.match(gw.stderr, /crash: calling abort\(\)/, 'the server\'s stderr is passed on');
  });

  test('the exit status is the server\'s: exit tool with code 7 gives 7', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize();
    await gw.send(callReq(9, 'exit', { code: 7 }));
    const r = await gw.response(9);
    assert.equal(r.error?.code, -32051);
    assert.match(r.error.message, /exited with status 7/);
    assert.deepEqual(await gw.waitExit(), { code: 7, signal: null });
  });
});

describe('command line', () => {
  test('command not found: 127, stderr names the command and PATH, stdout empty', T, async () => {
    const r = runGateway(['--', 'assay-no-such-command-xyz', '--flag'], {
      env: baseEnv({ PATH: '/nonexistent-a:/nonexistent-b' }),
    });
    assert.equal(r.status, 127, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /assay-no-such-command-xyz/);
    assert.match(r.stderr, /\/nonexistent-a:\/nonexistent-b/);
    assert.match(r.stderr, /^assay-gateway: /m);
  });

  test('command not executable: 126', T, async (t) => {
    const file = path.join(tmpDir(t), 'not-executable.sh');
    fs.writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const r = runGateway(['--', file]);
    assert.equal(r.status, 126, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /not-executable\.sh/);
  });

  test('a missing file given by path: 127', T, async (t) => {
    const r = runGateway(['--', path.join(tmpDir(t), 'gone')]);
    assert.equal(r.status, 127, r.stderr);
    assert.equal(r.stdout, '');
  });

  test('usage errors exit 2 with a message on stderr only', T, async () => {
    for (const [args, pattern] of [
      [['--bogus-option', DEMO_SERVER], /--bogus-option/],
      [[], /missing the server command/],
      [['--deny-tool', 'x'], /missing the server command/],
      [['--deny-reply', 'maybe', DEMO_SERVER], /maybe/],
      [['--max-message-bytes', '12Q', DEMO_SERVER], /max-message-bytes/],
      [['--grace', 'soon', DEMO_SERVER], /grace/],
      [['--deny-tool'], /needs a value/],
    ]) {
      const r = runGateway(args);
      assert.equal(r.status, 2, `${JSON.stringify(args)}: ${r.stderr}`);
      assert.equal(r.stdout, '', JSON.stringify(args));
      assert.match(r.stderr, pattern, JSON.stringify(args));
    }
  });

  test('--help: usage on stdout, exit 0; --version', T, async () => {
    for (const flag of ['--help', '-h']) {
      const r = runGateway([flag]);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^Usage: assay-gateway \[OPTIONS\] \[--\] COMMAND/);
      assert.match(r.stdout, /--deny-tool GLOB/);
      assert.equal(r.stderr, '');
    }
    for (const flag of ['--version', '-V']) {
      const r = runGateway([flag]);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^assay-gateway \d+\.\d+\.\d+\n$/);
      assert.equal(r.stderr, '');
    }
  });

  test('options end at the command: "assay-gateway node server.js" works without --', T, async (t) => {
    const memoryFile = path.join(tmpDir(t), 'memory.jsonl');
    const gw = startGateway(t, ['--grace', '1s', process.execPath, serverBin('@modelcontextprotocol/server-memory')], {
      env: baseEnv({ MEMORY_FILE_PATH: memoryFile }),
    });
    const init = await gw.initialize();
    assert.ok(init.serverInfo?.name, JSON.stringify(init));
    const list = await gw.request(req(2, 'tools/list'));
    assert.ok(list.result.tools.some((x) => x.name === 'read_graph'), JSON.stringify(list));
    const graph = await gw.call(3, 'read_graph');
    assert.equal(graph.result.isError, undefined, JSON.stringify(graph));
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });

  test('options after the command belong to the server', T, async (t) => {
    const dir = tmpDir(t);
    const notes = path.join(dir, 'notes');
    // The sandbox lets the server create its notes directory in |dir|.
    const policy = sandboxPolicy(t, { write: [dir] });
    const gw = startGateway(t, ['--policy', policy, DEMO_SERVER, '--notes', notes]);
    await gw.initialize();
    const r = await gw.call(2, 'notes_write', { name: 'n1', text: 'note text' });
    assert.match(resultText(r), /wrote 9 bytes/);
    assert.equal(fs.readFileSync(path.join(notes, 'n1'), 'utf8'), 'note text');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });
});

describe('stdin and stdout kinds', () => {
  test('stdin is a regular file of requests', T, async (t) => {
    const dir = tmpDir(t);
    const input = path.join(dir, 'requests.jsonl');
    const audit = path.join(dir, 'audit.jsonl');
    fs.writeFileSync(input, [
      req(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } }),
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      req(2, 'tools/list'),
      callReq(3, 'sleep', { ms: 100 }),
      callReq(4, 'echo', { text: 'from a file' }),
    ].map((m) => JSON.stringify(m)).join('\n') + '\n');
    const fd = fs.openSync(input, 'r');
    t.after(() => fs.closeSync(fd));
    const gw = startGateway(t, demoArgs(['--audit', audit]), { stdin: fd });
    assert.deepEqual(await gw.waitExit(), { code: 0, signal: null });
    assert.deepEqual(gw.messages.map((m) => m.id).sort(), [1, 2, 3, 4]);
    assert.equal(resultText(gw.messages.find((m) => m.id === 4)), 'from a file');
    assert.equal(resultText(gw.messages.find((m) => m.id === 3)), 'slept 100 ms');
    assert.equal(readAudit(audit)[0].stdin, 'file');
  });

  test('stdin is /dev/null: nothing to do, exit 0', T, async (t) => {
    const fd = fs.openSync('/dev/null', 'r');
    t.after(() => fs.closeSync(fd));
    const gw = startGateway(t, demoArgs(), { stdin: fd });
    assert.deepEqual(await gw.waitExit(), { code: 0, signal: null });
    assert.deepEqual(gw.lines, []);
  });

  test('a server printing a non-JSON line: the client never sees it', T, async (t) => {
    const gw = startGateway(t, demoArgs([], ['--stdout-junk']));
    await gw.initialize();
    assert.equal(resultText(await gw.call(2, 'echo', { text: 'still works' })), 'still works');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    assert.deepEqual(gw.nonJson, [], 'a stdout line of the gateway is not JSON');
    assert.ok(gw.lines.length >= 2);
    assert.ok(!gw.lines.some((l) => l.includes('this is not json')));
    assert.match(gw.stderr, /dropped a message from the server/);
  });
});
