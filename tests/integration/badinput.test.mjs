// Malformed, oversized and tricky input from the client (and the server),
// over raw pipes with the demo server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { readAudit, waitForAudit } from './lib/audit.mjs';
import { demoArgs, resultText, startGateway } from './lib/gateway.mjs';
import { statusKb } from './lib/proc.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { tmpDir } from './lib/tmp.mjs';

const T = { timeout: 120_000 };
const MiB = 1024 * 1024;

const callReq = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** The session still answers: an echo round trip. */
async function assertAlive(gw, id, text = `alive ${id}`) {
  const r = await gw.call(id, 'echo', { text });
  assert.equal(resultText(r), text, `the session no longer works: ${JSON.stringify(r)}`);
}

/** A denial by --deny-tool write_file, as the default isError result. */
function assertDenied(resp, id) {
  assert.deepEqual(resp.id, id);
  assert.equal(resp.error, undefined, JSON.stringify(resp));
  assert.equal(resp.result?.isError, true, JSON.stringify(resp));
  assert.match(resultText(resp), /assay-gateway denied the call to tool 'write_file'/);
  assert.match(resultText(resp), /cli\.deny_tool\[0\]/);
}

describe('invalid JSON-RPC from the client', () => {
  test('parse errors, invalid requests and ids', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize();

    for (const garbage of ['this is not json', '{"jsonrpc":"2.0",', '{"a":1}}', '\u00ff\u00fe', '{"jsonrpc":"2.0","id":1,"method":"ping"} trailing']) {
      const r = await gw.exchange(garbage);
      assert.equal(r.error?.code, -32700, `${garbage}: ${JSON.stringify(r)}`);
      assert.equal(r.id, null);
      assert.equal(r.jsonrpc, '2.0');
    }
    // Invalid UTF-8 bytes (not representable in a JS string literal line).
    {
      const from = gw.messages.length;
      await gw.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":3,"method":"ping","params":{"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}\n')]));
      const r = await gw.waitFor(() => true, 'answer to invalid UTF-8', undefined, from);
      assert.equal(r.error?.code, -32700, JSON.stringify(r));
    }

    // Blank lines (and CRLF) are not messages: nothing answers them.
    await gw.write('\n\r\n\n');
    const afterBlank = await gw.exchange('{"jsonrpc":"2.0","id":"after-blank","method":"ping"}\r');
    assert.equal(afterBlank.id, 'after-blank', JSON.stringify(afterBlank));

    const nullId = await gw.exchange('{"jsonrpc":"2.0","id":null,"method":"ping"}');
    assert.equal(nullId.error?.code, -32600, JSON.stringify(nullId));
    assert.equal(nullId.id, null);

    for (const nonObject of ['42', '"x"', 'null', 'true', '[]']) {
      const r = await gw.exchange(nonObject);
      assert.equal(r.error?.code, -32600, `${nonObject}: ${JSON.stringify(r)}`);
      assert.equal(r.id, null);
    }

    const noJsonrpc = await gw.exchange('{"id":5,"method":"ping"}');
    assert.equal(noJsonrpc.error?.code, -32600, JSON.stringify(noJsonrpc));
    assert.equal(noJsonrpc.id, 5);
    const wrongJsonrpc = await gw.exchange('{"jsonrpc":"1.0","id":"v1","method":"ping"}');
    assert.equal(wrongJsonrpc.error?.code, -32600);
    assert.equal(wrongJsonrpc.id, 'v1');
    const dupMethod = await gw.exchange('{"jsonrpc":"2.0","id":6,"method":"ping","method":"tools/list"}');
    assert.equal(dupMethod.error?.code, -32600, JSON.stringify(dupMethod));
    const objectId = await gw.exchange('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}');
    assert.equal(objectId.error?.code, -32600, JSON.stringify(objectId));

    // Ids round-trip exactly.
    assert.deepEqual((await gw.request({ jsonrpc: '2.0', id: 0, method: 'ping' })).result, {});
    assert.equal(gw.lines.at(-1), '{"jsonrpc":"2.0","id":0,"result":{}}');
    for (const id of ['abc', '', 'caf\u00e9 \u2603 \ud83d\ude00', 'with "quotes" and \\', -17, 1.5, 9007199254740991]) {
      const r = await gw.request({ jsonrpc: '2.0', id, method: 'ping' });
      assert.deepEqual(r.id, id);
      assert.deepEqual(r.result, {});
    }

    // Nothing the gateway refused reached the server: it would have
    // answered with a "Method not found" or its own error.
    assert.ok(!gw.messages.some((m) => /Method not found/.test(m.error?.message ?? '')), JSON.stringify(gw.messages));
    await assertAlive(gw, 'end');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    assert.deepEqual(gw.nonJson, []);
  });

  test('a line jansson rejects inside params does not crash the gateway', T, async (t) => {
    const cases = [
      // [gateway options, line, id answered or null for a notification]
      [[], '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"requestId":2}}', null],
      [['--audit', path.join(tmpDir(t), 'a.jsonl')], '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a","text":"b"}}}', 1],
      [['--deny-tool', 'x'], '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\\ud800"}}}', 2],
    ];
    for (const [opts, line, id] of cases) {
      const gw = startGateway(t, demoArgs(opts));
      await gw.send(line);
      if (id !== null) {
        const r = await gw.response(id);
        assert.ok(r.result || r.error, JSON.stringify(r));
      }
      await assertAlive(gw, 'after');
      assert.deepEqual(await gw.finish(), { code: 0, signal: null }, `${JSON.stringify(opts)} ${line}`);
    }
  });

  test('a duplicate id still in flight is refused; a free id is reusable', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--drain-timeout', '200ms']));
    await gw.initialize();
    await gw.send(callReq('dup', 'hang'));
    const second = await gw.call('dup', 'echo', { text: 'second' });
    assert.equal(second.error?.code, -32600, JSON.stringify(second));
    assert.match(second.error.message, /in flight/);
    // 1 and 1.0 are the same id to a JSON peer.
    await gw.send(callReq(1, 'hang'));
    const r = await gw.exchange('{"jsonrpc":"2.0","id":1.0,"method":"ping"}');
    assert.equal(r.error?.code, -32600, JSON.stringify(r));
    await assertAlive(gw, 'x');
    await assertAlive(gw, 'x'); // answered, so free again
  });

  test('--max-pending: too many requests in flight get -32053', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--max-pending', '2', '--drain-timeout', '200ms']));
    await gw.send(callReq('h1', 'hang'));
    await gw.send(callReq('h2', 'hang'));
    const r = await gw.call('third', 'echo', { text: 'x' });
    assert.equal(r.error?.code, -32053, JSON.stringify(r));
  });

  test('deep nesting: 100000 "[" gets -32700 and the gateway keeps working', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit]));
    await gw.initialize();
    const r = await gw.exchange('['.repeat(100_000));
    assert.equal(r.error?.code, -32700, JSON.stringify(r));
    assert.equal(r.id, null);
    // Answered by the gateway itself, not passed to the server.
    const inv = readAudit(audit).filter((x) => x.event === 'invalid');
    assert.equal(inv.length, 1, JSON.stringify(inv));
    assert.equal(inv[0].action, 'replied');
    assert.equal(inv[0].code, -32700);
    assert.equal(inv[0].bytes, 100_000);
    const r2 = await gw.exchange('{"jsonrpc":"2.0","id":9,"method":"ping","params":{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}}');
    assert.ok(r2.error, JSON.stringify(r2).slice(0, 300));
    await assertAlive(gw, 2);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });
});

describe('message size limits', () => {
  /** Stream one line of about |fill| bytes of 'x' between |head| and |tail|. */
  async function streamLine(gw, head, fill, tail) {
    await gw.write(head);
    const chunk = Buffer.alloc(MiB, 'x');
    for (let left = fill; left > 0; left -= MiB)
      await gw.write(left >= MiB ? chunk : chunk.subarray(0, left));
    await gw.write(tail + '\n');
  }

  test('100 MiB requests under --max-message-bytes 1M: -32052 with the id, small RSS, session goes on', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--max-message-bytes', '1M', '--audit', audit]));
    await gw.initialize();

    // The id first.
    await streamLine(gw, '{"jsonrpc":"2.0","id":76,"method":"tools/call","params":{"name":"echo","arguments":{"text":"', 100 * MiB, '"}}}');
    const first = await gw.response(76, 120_000);
    assert.equal(first.error?.code, -32052, JSON.stringify(first));
    assert.match(first.error.message, /--max-message-bytes/);

    // The id at the very end of the line.
    await streamLine(gw, '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","arguments":{"text":"', 100 * MiB, '"}},"id":77}');
    const last = await gw.response(77, 120_000);
    assert.equal(last.error?.code, -32052, JSON.stringify(last));

    await assertAlive(gw, 78);
    const hwmKb = statusKb(gw.pid, 'VmHWM');
    t.diagnostic(`gateway VmHWM ${hwmKb} kB`);
    assert.ok(hwmKb !== null, 'cannot read VmHWM of the gateway');
    assert.ok(hwmKb < 40 * 1024, `gateway peak RSS ${hwmKb} kB: the oversized lines were buffered`);

    // A line just under the limit still passes.
    const text = 'y'.repeat(MiB - 200);
    assert.equal(resultText(await gw.call(79, 'echo', { text })), text);

    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    const recs = readAudit(audit);
    const over = recs.filter((r) => r.event === 'invalid' && r.code === -32052);
    assert.equal(over.length, 2, JSON.stringify(over));
    for (const r of over) assert.ok(r.bytes > 100 * MiB, JSON.stringify(r));
  });

  test('an oversized server response becomes -32052 for that id; later calls work', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--max-message-bytes', '1M']));
    await gw.initialize();
    const r = await gw.call(5, 'big', { bytes: 2 * MiB });
    assert.equal(r.error?.code, -32052, JSON.stringify(r).slice(0, 300));
    assert.match(r.error.message, /server's response/);
    await assertAlive(gw, 6);
    const small = await gw.call(7, 'big', { bytes: 1000 });
    assert.equal(resultText(small), 'x'.repeat(1000));
    assert.ok(gw.lines.every((l) => l.length < MiB), 'an oversized line reached the client');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });
});

describe('policy bypass attempts', () => {
  test('a batch hiding a denied call: the gateway answers it and the server never sees it', T, async (t) => {
    const dir = tmpDir(t);
    const target = path.join(dir, 'batch-written');
    // The sandbox would let the server write |target|: only the gateway stops it.
    const policy = sandboxPolicy(t, { write: [dir] });
    const gw = startGateway(t, demoArgs(['--policy', policy, '--deny-tool', 'write_file', '--drain-timeout', '500ms']));
    await gw.initialize();
    const batch = [
      callReq(1, 'echo', { text: 'a' }),
      callReq(2, 'write_file', { path: target, text: 'y' }),
    ];
    await gw.send(batch);
    const hasId = (m, id) => (Array.isArray(m) ? m.some((e) => e?.id === id) : m?.id === id);
    const pick = (m, id) => (Array.isArray(m) ? m.find((e) => e?.id === id) : m);
    const denied = pick(await gw.waitFor((m) => hasId(m, 2), 'the answer for id 2'), 2);
    assertDenied(denied, 2);
    await assertAlive(gw, 3);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    // id 1 was forwarded; the demo server does not do batches, so it may
    // be answered by the server or failed by the gateway at the end.
    assert.ok(gw.messages.some((m) => hasId(m, 1)), 'id 1 was never answered');
    assert.equal(fs.existsSync(target), false, 'the denied write_file inside a batch was carried out');
  });

  test('escaped JSON does not get a denied call through', T, async (t) => {
    const dir = tmpDir(t);
    const target = path.join(dir, 'escaped-written');
    const p = JSON.stringify(target);
    // The sandbox would let the server write |target|: only the gateway stops it.
    const policy = sandboxPolicy(t, { write: [dir] });
    const gw = startGateway(t, demoArgs(['--policy', policy, '--deny-tool', 'write_file']));
    await gw.initialize();
    const tricks = [
      [10, `{"jsonrpc":"2.0","id":10,"method":"tools\\/call","params":{"name":"write_file","arguments":{"path":${p},"text":"y"}}}`],
      [11, `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"write\\u005ffile","arguments":{"path":${p},"text":"y"}}}`],
      [12, `{"jsonrpc":"2.0","\\u0069d":12,"method":"tools/call","params":{"name":"write_file","arguments":{"path":${p},"text":"y"}}}`],
      [13, `{"jsonrpc":"2.0","id":13,"m\\u0065thod":"tools/call","params":{"name":"write_file","arguments":{"path":${p},"text":"y"}}}`],
      [14, `{"jsonrpc":"2.0","id":14,"method":"tools/call","p\\u0061rams":{"n\\u0061me":"\\u0077\\u0072\\u0069\\u0074\\u0065\\u005f\\u0066\\u0069\\u006c\\u0065","arguments":{"path":${p},"text":"y"}}}`],
      [15, `{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"arguments":{"path":${p},"text":"y"},"name":"write_file"}}`],
      [16, ` \t{ "jsonrpc" : "2.0" , "id" : 16 , "method" : "tools/call" , "params" : { "name" : "write_file" , "arguments" : {"path":${p},"text":"y"} } }\r`],
    ];
    for (const [id, line] of tricks) {
      await gw.send(line);
      assertDenied(await gw.response(id), id);
    }
    // A duplicate "name" in params is refused, whatever the order.
    for (const [id, names] of [[20, ['echo', 'write_file']], [21, ['write_file', 'echo']]]) {
      await gw.send(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${names[0]}","name":"${names[1]}","arguments":{"path":${p},"text":"y"}}}`);
      const r = await gw.response(id);
      assert.ok(r.error, `duplicate "name" was not refused: ${JSON.stringify(r)}`);
      assert.notEqual(r.result?.content?.[0]?.text, 'y');
    }
    // A duplicate "params" in the envelope is refused too.
    await gw.send(`{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"echo","arguments":{"text":"z"}},"params":{"name":"write_file","arguments":{"path":${p},"text":"y"}}}`);
    const dupParams = await gw.response(22);
    assert.equal(dupParams.error?.code, -32600, JSON.stringify(dupParams));

    await assertAlive(gw, 30);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    assert.equal(fs.existsSync(target), false, 'a denied write_file was carried out');
  });

  test('glob rules: deny wins over allow, ? and * match', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--allow-tool', '*', '--deny-tool', 'notes_*', '--deny-tool', 'ech?']));
    await gw.initialize();
    const names = (await gw.request({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).result.tools.map((x) => x.name);
    assert.ok(!names.some((n) => n.startsWith('notes_') || n === 'echo'), `denied tools listed: ${names}`);
    assert.ok(names.includes('read_file') && names.includes('env'), `allowed tools missing: ${names}`);
    const r = await gw.call(3, 'echo', { text: 'x' });
    assert.equal(r.result?.isError, true);
    assert.match(resultText(r), /cli\.deny_tool\[1\]/);
    const n = await gw.call(4, 'notes_list');
    assert.match(resultText(n), /cli\.deny_tool\[0\]/);
  });

  test('a task-augmented denied call gets a JSON-RPC error -32050', T, async (t) => {
    const gw = startGateway(t, demoArgs(['--deny-tool', 'write_file']));
    await gw.initialize();
    const r = await gw.request({ jsonrpc: '2.0', id: 50, method: 'tools/call', params: { name: 'write_file', arguments: { path: '/nonexistent/x', text: 'y' }, task: { ttl: 1000 } } });
    assert.equal(r.error?.code, -32050, JSON.stringify(r));
    assert.match(r.error.message, /^assay-gateway denied/);
  });

  test('notifications/cancelled for a denied request is not forwarded', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--deny-tool', 'write_file', '--audit', audit]));
    await gw.initialize();
    const r = await gw.call(40, 'write_file', { path: '/nonexistent/x', text: 'y' });
    assert.equal(r.result?.isError, true);
    await gw.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 40, reason: 'test' } });
    await assertAlive(gw, 41);
    const recs = await waitForAudit(audit, (x) => x.event === 'notification');
    const dropped = recs.filter((x) => x.event === 'notification');
    assert.equal(dropped.length, 1, JSON.stringify(dropped));
    assert.equal(dropped[0].action, 'dropped');
    assert.equal(dropped[0].method, 'notifications/cancelled');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
  });
});

describe('server-to-client traffic', () => {
  test('a client response to an unknown server request is dropped; the session continues', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit]));
    await gw.initialize();
    await gw.send({ jsonrpc: '2.0', id: 'never-asked', result: { roots: [] } });
    await gw.send({ jsonrpc: '2.0', id: 'never-asked-2', error: { code: -1, message: 'x' } });
    await assertAlive(gw, 2);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    // The demo server logs any response it receives for an unknown request.
    assert.doesNotMatch(gw.stderr, /ignoring a response to unknown request/);
    const recs = readAudit(audit).filter((r) => r.event === 'invalid' && r.action === 'dropped');
    assert.equal(recs.length, 2, JSON.stringify(readAudit(audit)));
  });

  test('roots/list from the server reaches the client and the answer reaches the server', T, async (t) => {
    const gw = startGateway(t, demoArgs());
    await gw.initialize({ roots: { listChanged: false } });
    await gw.send(callReq('r1', 'roots'));
    const ask = await gw.waitFor((m) => m.method === 'roots/list', 'roots/list from the server');
    assert.ok(typeof ask.id === 'string' || typeof ask.id === 'number', JSON.stringify(ask));
    await gw.send({ jsonrpc: '2.0', id: ask.id, result: { roots: [{ uri: 'file:///tmp/assay-root-\u00e9', name: 'r' }, { uri: 'file:///srv/two' }] } });
    const r = await gw.response('r1');
    assert.equal(resultText(r), 'file:///tmp/assay-root-\u00e9\nfile:///srv/two');
    // A second time, answered with an error.
    await gw.send(callReq('r2', 'roots'));
    const ask2 = await gw.waitFor((m) => m.method === 'roots/list' && m.id !== ask.id, 'a second roots/list');
    await gw.send({ jsonrpc: '2.0', id: ask2.id, error: { code: -32601, message: 'no roots here' } });
    const r2 = await gw.response('r2');
    assert.equal(r2.result?.isError, true);
    assert.match(resultText(r2), /no roots here/);
  });
});
