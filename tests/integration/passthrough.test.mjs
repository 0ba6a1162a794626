// Allowed messages pass byte for byte, in both directions; large ones and
// slow readers lose nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { GATEWAY, INTEGRATION_DIR } from './lib/env.mjs';
import { baseEnv, demoArgs, resultText, startGateway } from './lib/gateway.mjs';
import { tmpDir } from './lib/tmp.mjs';

const T = { timeout: 60_000 };
const RAW_SERVER = path.join(INTEGRATION_DIR, 'fixtures', 'raw-server.mjs');

/** Odd but valid request lines, as the client wrote them. */
const LINES = [
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"caf\\u00e9 \\ud83d\\ude00 \u00e9\\/"}}}',
  '  { "id" : "two" ,\t"method" : "tools/call" , "jsonrpc" : "2.0", "params" : { "arguments" : { "n" : 1.50e+3 , "big" : 123456789012345678901234567890 }, "name" : "echo" } }  ',
  '{"jsonrpc":"2.0","id":3,"method":"custom/method","params":[1,{"a":null},true,"\\u0000"]}',
  '{"jsonrpc":"2.0","id":4e0,"method":"ping"}',
];

for (const opts of [[], ['--deny-tool', 'write_*', '--audit', null, '-v']]) {
  describe(`gateway ${opts.length ? 'with rules, audit and -v' : 'without options'}`, () => {
    test('client-to-server messages reach the server byte for byte', T, async (t) => {
      const args = opts.map((o) => o ?? path.join(tmpDir(t), 'audit.jsonl'));
      const gw = startGateway(t, [...args, '--', process.execPath, RAW_SERVER]);
      await gw.initialize();
      const ids = [1, 'two', 3, 4];
      for (const [i, line] of LINES.entries()) {
        await gw.send(line);
        const r = await gw.response(ids[i]);
        assert.equal(Buffer.from(resultText(r), 'base64').toString('utf8'), line, `line ${i} was changed`);
      }
      assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    });

    test('server-to-client messages reach the client byte for byte', T, async (t) => {
      const args = opts.map((o) => o ?? path.join(tmpDir(t), 'audit.jsonl'));
      const gw = startGateway(t, [...args, '--', process.execPath, RAW_SERVER]);
      await gw.initialize();
      const replies = [
        ['e1', '{ "result" : { "tools" : [ ] , "x" : "\\u00e9\u00e9" } , "id" : "e1" , "jsonrpc" : "2.0" }'],
        ['e2', '{"jsonrpc":"2.0","id":"e2","error":{"code":-32000,"message":"m","data":{"deep":[[[1]]]}}}'],
        ['e3', '{"jsonrpc":"2.0","id":"e3","result":{"n":1.0E+2,"s":"\\"\\\\\\/\\b\\f\\n\\r\\t"}}'],
      ];
      for (const [id, line] of replies) {
        const from = gw.lines.length;
        await gw.send({ jsonrpc: '2.0', id, method: 'raw/emit', params: { line } });
        await gw.response(id);
        assert.equal(gw.lines.slice(from).find((l) => l.includes(`"${id}"`)), line, `the response ${id} was changed`);
      }
      assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    });
  });
}

describe('large messages and flow control', () => {
  test('messages of many MiB within the limit pass intact both ways', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize();
    const text = 'abc\u00e9\u2603'.repeat(1_500_000); // ~13 MiB of JSON
    const echoed = await gw.call(1, 'echo', { text });
    assert.ok(resultText(echoed) === text, 'a large echo came back changed');
    const big = await gw.call(2, 'big', { bytes: 30 * 1024 * 1024 });
    assert.equal(resultText(big).length, 30 * 1024 * 1024);
    assert.ok(/^x+$/.test(resultText(big)));
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });

  test('a client that stops reading for a while loses nothing', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize();
    gw.proc.stdout.pause();
    const n = 24;
    const pending = [];
    for (let i = 0; i < n; i++) pending.push(gw.call(`b${i}`, 'big', { bytes: 1024 * 1024 + i }));
    // Also a stream of small requests while the output is blocked.
    for (let i = 0; i < 200; i++) pending.push(gw.call(`e${i}`, 'echo', { text: `small ${i}` }));
    await sleep(500);
    gw.proc.stdout.resume();
    const results = await Promise.all(pending);
    for (let i = 0; i < n; i++) assert.equal(resultText(results[i]).length, 1024 * 1024 + i, `big ${i}`);
    for (let i = 0; i < 200; i++) assert.equal(resultText(results[n + i]), `small ${i}`);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    assert.deepEqual(gw.nonJson, []);
  });

  test('stdout is a regular file', T, async (t) => {
    const dir = tmpDir(t);
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    fs.writeFileSync(input, [1, 2, 3].map((id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `t${id}` } } })).join('\n') + '\n');
    const fds = [fs.openSync(input, 'r'), fs.openSync(output, 'w')];
    t.after(() => fds.forEach((fd) => fs.closeSync(fd)));
    const r = spawnSync(GATEWAY, demoArgs(), { env: baseEnv(), stdio: [...fds, 'pipe'], encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(output, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((m) => [m.id, resultText(m)]).sort(), [[1, 't1'], [2, 't2'], [3, 't3']]);
  });
});
