// Tool pinning (rug-pull detection) and credential scanning of results,
// with the demo server: its `mutate` tool changes the description of `echo`
// and announces notifications/tools/list_changed; `fake_secret` returns the
// AWS documentation example key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { readAudit } from './lib/audit.mjs';
import { DEMO_SERVER, GATEWAY } from './lib/env.mjs';
import { baseEnv, demoArgs, resultText, startGateway } from './lib/gateway.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { tmpDir } from './lib/tmp.mjs';

const T = { timeout: 90_000 };
const req = (id, method, params) => ({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
const callReq = (id, name, args = {}) => req(id, 'tools/call', { name, arguments: args });
const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } };

/** A session of |steps| (async functions of the gateway) with its own pin store. */
async function session(t, state, gatewayOpts, steps) {
  const gw = startGateway(t, demoArgs(gatewayOpts), { env: baseEnv({ XDG_STATE_HOME: state }) });
  await gw.send(req(0, 'initialize', INIT));
  await gw.response(0);
  const out = await steps(gw);
  gw.end();
  await gw.closed;
  return { gw, out };
}

const toolNames = (resp) => resp.result.tools.map((x) => x.name);

describe('tool pinning', () => {
  test('a description changed mid-session is hidden and its calls denied until approved', T, async (t) => {
    const state = tmpDir(t);
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const { gw } = await session(t, state, ['--audit', audit], async (gw) => {
      await gw.send(req(1, 'tools/list'));
      assert.ok(toolNames(await gw.response(1)).includes('echo'));
      await gw.send(callReq(2, 'echo', { text: 'before' }));
      assert.equal(resultText(await gw.response(2)), 'before');

      await gw.send(callReq(3, 'mutate'));
      await gw.response(3);
      // The gateway re-lists on list_changed by itself; its own request and
      // answer never reach the client.
      await gw.send(callReq(4, 'echo', { text: 'after' }));
      const denied = await gw.response(4);
      assert.equal(denied.result.isError, true, gw.describe());
      assert.match(resultText(denied), /description changed/);
      assert.match(resultText(denied), /rule pins\.on_change/);

      await gw.send(req(5, 'tools/list'));
      assert.ok(!toolNames(await gw.response(5)).includes('echo'), 'the changed tool is hidden');
    });
    for (const m of gw.messages) {
      assert.ok(!(typeof m.id === 'string' && m.id.startsWith('assay-gateway:')),
        `the gateway's own request leaked to the client: ${JSON.stringify(m)}`);
    }
    const changes = readAudit(audit).filter((r) => r.event === 'pin_change');
    assert.equal(changes.length, 1);
    assert.equal(changes[0].tool, 'echo');
    assert.equal(changes[0].action, 'blocked');

    // The store is private: a directory of one file per server.
    const store = path.join(state, 'assay-gateway', 'pins.json.d');
    assert.equal(fs.statSync(store).mode & 0o777, 0o700);
    const files = fs.readdirSync(store);
    assert.equal(files.length, 1, files.join(' '));
    assert.match(files[0], /^[0-9a-f]{64}\.json$/);
    assert.equal(fs.statSync(path.join(store, files[0])).mode & 0o777, 0o600);

    // Approving adopts the changed definition: a session that mutates again
    // is then allowed to call echo (its description is the approved one).
    const approve = spawnSync(GATEWAY, ['pins', 'approve', '--', DEMO_SERVER],
      { encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(approve.status, 0, approve.stderr);
    assert.match(approve.stdout, /approved 1 change/);
    await session(t, state, [], async (gw2) => {
      // The fresh server has the original description again: that differs
      // from the approved (mutated) one, so echo is blocked now...
      await gw2.send(callReq(1, 'echo', { text: 'x' }));
      assert.match(resultText(await gw2.response(1)), /rule pins\.on_change/);
      // ...and once it mutates to the approved definition, allowed again.
      await gw2.send(callReq(2, 'mutate'));
      await gw2.response(2);
      await gw2.send(req(3, 'tools/list'));
      assert.ok(toolNames(await gw2.response(3)).includes('echo'));
      await gw2.send(callReq(4, 'echo', { text: 'back' }));
      assert.equal(resultText(await gw2.response(4)), 'back');
    });
  });

  test('a single-file store of an earlier version is split into files, and its pins hold', T, async (t) => {
    const state = tmpDir(t);
    // Pin the tools, then turn the store into the single file an earlier
    // version wrote (the same document, holding every server), with a
    // second server beside it.
    await session(t, state, [], async (gw) => {
      await gw.send(req(1, 'tools/list'));
      await gw.response(1);
    });
    const dir = path.join(state, 'assay-gateway');
    const [file] = fs.readdirSync(path.join(dir, 'pins.json.d'));
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'pins.json.d', file), 'utf8'));
    const [[id, entry]] = Object.entries(doc.servers);
    doc.servers['sha256:' + '0'.repeat(64)] = { ...entry, label: 'another server' };
    fs.rmSync(path.join(dir, 'pins.json.d'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pins.json'), JSON.stringify(doc), { mode: 0o600 });

    // The pins still apply: a changed description is blocked.
    await session(t, state, [], async (gw) => {
      await gw.send(callReq(1, 'mutate'));
      await gw.response(1);
      await gw.send(callReq(2, 'echo', { text: 'after' }));
      assert.match(resultText(await gw.response(2)), /rule pins\.on_change/);
    });
    assert.ok(!fs.existsSync(path.join(dir, 'pins.json')), 'the single file is moved away');
    assert.ok(fs.existsSync(path.join(dir, 'pins.json.migrated')));
    assert.equal(fs.readdirSync(path.join(dir, 'pins.json.d')).length, 2);
    const list = spawnSync(GATEWAY, ['pins', 'list'], { encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`identity: ${id}`));
    assert.match(list.stdout, /another server/);

    // A second single file (an older gateway started one) is split too; the
    // first backup stays, the second gets a name of its own.
    const third = { version: doc.version, servers: { ['sha256:' + '1'.repeat(64)]: { ...entry, label: 'a third server' } } };
    fs.writeFileSync(path.join(dir, 'pins.json'), JSON.stringify(third), { mode: 0o600 });
    const again = spawnSync(GATEWAY, ['pins', 'list'], { encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /a third server/);
    assert.ok(fs.existsSync(path.join(dir, 'pins.json.migrated')));
    assert.ok(fs.existsSync(path.join(dir, 'pins.json.migrated.1')));
    assert.ok(!fs.existsSync(path.join(dir, 'pins.json')));

    // An obstacle where the directory belongs stops the split: the single
    // file stays, nothing is lost.
    fs.writeFileSync(path.join(dir, 'pins.json'), JSON.stringify(third), { mode: 0o600 });
    fs.rmSync(path.join(dir, 'pins.json.d'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pins.json.d'), '');
    const blocked = spawnSync(GATEWAY, ['pins', 'list'], { encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(blocked.status, 2);
    assert.match(blocked.stderr, /pins\.json\.d: Not a directory/);
    assert.ok(fs.existsSync(path.join(dir, 'pins.json')), 'the single file is kept');

    // A link where the single file would be is not followed, not ignored.
    fs.rmSync(path.join(dir, 'pins.json'));
    fs.rmSync(path.join(dir, 'pins.json.d'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'pins.json'));
    const linked = spawnSync(GATEWAY, demoArgs(), { input: '', encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(linked.status, 2, linked.stderr);
    assert.match(linked.stderr, /pin store .*pins\.json: Too many levels of symbolic links/);
  });

  test('pins.on_change: warn logs the change and lets the tool through', T, async (t) => {
    const state = tmpDir(t);
    const pol = path.join(tmpDir(t), 'warn.yaml');
    fs.writeFileSync(pol, 'version: 1\npins:\n  on_change: warn\n');
    const { gw } = await session(t, state, ['--policy', pol], async (gw) => {
      await gw.send(req(1, 'tools/list'));
      await gw.response(1);
      await gw.send(callReq(2, 'mutate'));
      await gw.response(2);
      await gw.send(req(3, 'tools/list'));
      const list = await gw.response(3);
      assert.ok(toolNames(list).includes('echo'));
      assert.match(list.result.tools.find((x) => x.name === 'echo').description, /\(changed\)/);
      await gw.send(callReq(4, 'echo', { text: 'ok' }));
      assert.equal(resultText(await gw.response(4)), 'ok');
    });
    assert.match(gw.stderr, /tool 'echo' changed since it was pinned \(description changed\)/);
  });

  test('a denied tool is not taken for a removed one: the pins see the list as the server sent it', T, async (t) => {
    const state = tmpDir(t);
    const { gw } = await session(t, state, ['--deny-tool', 'write_file'], async (gw) => {
      await gw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      await gw.send(req(1, 'tools/list'));
      assert.ok(!toolNames(await gw.response(1)).includes('write_file'));
      await gw.send(req(2, 'tools/list'));
      await gw.response(2);
    });
    assert.doesNotMatch(gw.stderr, /no longer offered/);
    const list = spawnSync(GATEWAY, ['pins', 'list'], { encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.match(list.stdout, /write_file\s+pinned/);
  });

  test('a client may not use the ids reserved for the gateway', T, async (t) => {
    const state = tmpDir(t);
    await session(t, state, [], async (gw) => {
      await gw.send(req('assay-gateway:pins:1', 'ping'));
      const r = await gw.response('assay-gateway:pins:1');
      assert.equal(r.error.code, -32600);
    });
  });

  test('a corrupt pin store stops the gateway before the server starts', T, async (t) => {
    const state = tmpDir(t);
    fs.mkdirSync(path.join(state, 'assay-gateway'));
    fs.writeFileSync(path.join(state, 'assay-gateway', 'pins.json'), '{"version":1,"servers":');
    const notesDir = tmpDir(t);
    const notes = path.join(notesDir, 'notes');
    // The sandbox would let the server create its notes: their absence shows
    // that it did not run.
    const policy = sandboxPolicy(t, { write: [notesDir] });
    const r = spawnSync(GATEWAY, ['--policy', policy, '--', DEMO_SERVER, '--notes', notes],
      { input: JSON.stringify(callReq(1, 'notes_write', { name: 'n', text: 'x' })) + '\n',
        encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /pin store .* is corrupt/);
    assert.equal(r.stdout, '');
    assert.equal(fs.existsSync(notes), false, 'the server must not have run');
  });

  test("a corrupt file of this server's pins stops the gateway too", T, async (t) => {
    const state = tmpDir(t);
    await session(t, state, [], async (gw) => {
      await gw.send(req(1, 'tools/list'));
      await gw.response(1);
    });
    const dir = path.join(state, 'assay-gateway', 'pins.json.d');
    const [file] = fs.readdirSync(dir);
    fs.writeFileSync(path.join(dir, file), '{"version":1,"servers":{"x":');
    const r = spawnSync(GATEWAY, demoArgs(), { input: '', encoding: 'utf8', env: baseEnv({ XDG_STATE_HOME: state }) });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`pin store .*${file} is corrupt`));
  });
});

describe('credentials in results', () => {
  const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

  test('redacted by default, before the client sees them', T, async (t) => {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    await session(t, tmpDir(t), ['--audit', audit], async (gw) => {
      await gw.send(callReq(1, 'fake_secret'));
      const text = resultText(await gw.response(1));
      assert.ok(!text.includes(AWS_KEY), text);
      assert.match(text, /\[REDACTED:aws_access_key_id\]/);
      // The rest of the result is untouched.
      assert.match(text, /^here is a key: /);
      assert.ok(!gw.lines.some((l) => l.includes(AWS_KEY)));
    });
    const resp = readAudit(audit).find((r) => r.event === 'response' && r.tool === 'fake_secret');
    assert.equal(resp.secrets, 1);
    assert.ok(!fs.readFileSync(audit, 'utf8').includes(AWS_KEY), 'the key never reaches the audit log');
  });

  test('a key hidden behind JSON escapes is found too', T, async (t) => {
    // The echo tool returns the text it was given; the client spells the key
    // with \u escapes, so the raw bytes of the result hide it.
    await session(t, tmpDir(t), [], async (gw) => {
      await gw.send('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"k=\\u0041KIAIOSFODNN7EXAMPLE"}}}');
      const text = resultText(await gw.response(1));
      assert.ok(!text.includes(AWS_KEY), text);
      assert.match(text, /REDACTED/);
    });
  });

  test('responses.secrets: block withholds the whole result; off passes it', T, async (t) => {
    const dir = tmpDir(t);
    const block = path.join(dir, 'block.yaml');
    const off = path.join(dir, 'off.yaml');
    fs.writeFileSync(block, 'version: 1\nresponses: {secrets: block}\n');
    fs.writeFileSync(off, 'version: 1\nresponses: {secrets: "off"}\n');
    await session(t, tmpDir(t), ['--policy', block], async (gw) => {
      await gw.send(callReq(1, 'fake_secret'));
      const r = await gw.response(1);
      assert.equal(r.result.isError, true);
      assert.match(resultText(r), /withheld/);
      assert.ok(!resultText(r).includes(AWS_KEY));
    });
    await session(t, tmpDir(t), ['--policy', off], async (gw) => {
      await gw.send(callReq(1, 'fake_secret'));
      assert.ok(resultText(await gw.response(1)).includes(AWS_KEY));
    });
  });

  test('a clean result passes byte for byte', T, async (t) => {
    await session(t, tmpDir(t), [], async (gw) => {
      await gw.send(callReq(1, 'echo', { text: 'AKIA is a prefix, sk- too, and eyJ: nothing here' }));
      await gw.response(1);
      const line = gw.lines.find((l) => l.includes('"id":1'));
      assert.equal(line, '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"AKIA is a prefix, sk- too, and eyJ: nothing here"}]}}');
    });
  });
});
