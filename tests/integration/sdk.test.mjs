// The official SDK client against real MCP servers, directly and through
// the gateway: the gateway must be invisible except where a policy applies.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { McpError } from '@modelcontextprotocol/sdk/types.js';

import { readAudit, waitForAudit } from './lib/audit.mjs';
import { serverBin } from './lib/env.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { connect, direct, gated } from './lib/sdk.mjs';
import { tmpDir } from './lib/tmp.mjs';

const EVERYTHING = serverBin('@modelcontextprotocol/server-everything');
const FILESYSTEM = serverBin('@modelcontextprotocol/server-filesystem');
const T = { timeout: 120_000 };

/** A directory with a few files for server-filesystem. */
function fixtureDir(t) {
  const dir = fs.realpathSync(tmpDir(t, 'assay-fs-'));
  fs.writeFileSync(path.join(dir, 'hello.txt'), 'hello, world\nsecond line\n');
  fs.writeFileSync(path.join(dir, 'data.json'), '{"answer": 42}\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'notes.md'), '# Notes\n\nunicode: \u00e9\u2603\n');
  return dir;
}

/** get_file_info reports access and change times that move between calls. */
function withoutTimes(result) {
  const strip = (s) => s.split('\n').filter((l) => !/^(created|modified|accessed):/.test(l)).join('\n');
  const r = structuredClone(result);
  for (const c of r.content ?? []) if (c.type === 'text') c.text = strip(c.text);
  if (r.structuredContent?.content) r.structuredContent.content = strip(r.structuredContent.content);
  return r;
}

const text = (result) => result.content.map((c) => c.text ?? '').join('\n');

describe('server-everything through the gateway', () => {
  test('tools/list, deterministic tool calls and server info are identical to a direct connection', T, async (t) => {
    const a = await connect(t, direct(EVERYTHING));
    const b = await connect(t, gated(['--grace', '500ms'], EVERYTHING));

    assert.deepEqual(b.client.getServerVersion(), a.client.getServerVersion());
    assert.deepEqual(b.client.getServerCapabilities(), a.client.getServerCapabilities());
    assert.equal(b.client.getInstructions(), a.client.getInstructions());

    const ta = await a.client.listTools();
    const tb = await b.client.listTools();
    assert.ok(ta.tools.length >= 5, `server-everything lists tools: ${JSON.stringify(ta.tools.map((x) => x.name))}`);
    assert.deepEqual(tb, ta);

    const calls = [
      { name: 'echo', arguments: { message: 'through the gateway: \u00e9\u2603 "quoted" \\ back\nslash' } },
      { name: 'get-sum', arguments: { a: 2.5, b: -7 } },
      { name: 'get-sum', arguments: { a: 1e21, b: 1 } },
      { name: 'get-tiny-image', arguments: {} },
      { name: 'get-annotated-message', arguments: { messageType: 'error', includeImage: false } },
    ];
    for (const call of calls) {
      const ra = await a.client.callTool(call);
      const rb = await b.client.callTool(call);
      assert.notEqual(ra.isError, true, `${call.name} failed: ${JSON.stringify(ra)}`);
      assert.deepEqual(rb, ra, `tools/call ${call.name} differs through the gateway`);
    }
    assert.match(text(await b.client.callTool(calls[0])), /through the gateway: é☃/);

    // Other request kinds pass too.
    assert.deepEqual(await b.client.listPrompts(), await a.client.listPrompts());
    assert.deepEqual(await b.client.listResources(), await a.client.listResources());
  });

  test('a long-running tool sends progress notifications through the gateway', T, async (t) => {
    const { client } = await connect(t, gated(['--grace', '500ms'], EVERYTHING));
    const progress = [];
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    assert.match(text(result), /Long running operation completed/);
    assert.ok(progress.length > 0, 'no progress notification reached the client');
    for (const p of progress) assert.equal(p.total, 4);
    assert.deepEqual(progress.map((p) => p.progress), [...progress.keys()].map((i) => i + 1));
  });

  test('the server\'s roots/list request reaches the client and the answer reaches the server', T, async (t) => {
    const roots = [{ uri: 'file:///srv/assay-root-one', name: 'first root' }];
    const { client, rootsRequests } = await connect(t, gated([], EVERYTHING), { roots });
    const tools = (await client.listTools()).tools.map((x) => x.name);
    assert.ok(tools.includes('get-roots-list'), `get-roots-list missing: ${tools}`);
    const result = await client.callTool({ name: 'get-roots-list', arguments: {} });
    assert.ok(rootsRequests() > 0, 'the client was never asked for its roots');
    assert.match(text(result), /URI: file:\/\/\/srv\/assay-root-one/);
    assert.match(text(result), /first root/);
  });
});

// The sandbox lets the server reach none of the test's temporary
// directories: as a user running server-filesystem on a directory, each test
// grants the directories it gives the server in a policy (the built-in one
// plus a sandbox section).  Where a test checks that a denied write left no
// file, the directory is writable, so that only the gateway can have
// stopped the write.
describe('server-filesystem through the gateway', () => {
  test('tools/list and read-only tool calls are identical to a direct connection', T, async (t) => {
    const dir = fixtureDir(t);
    const a = await connect(t, direct(FILESYSTEM, [dir]));
    const b = await connect(t, gated(['--policy', sandboxPolicy(t, { read: [dir] })], FILESYSTEM, [dir]));

    const ta = await a.client.listTools();
    const tb = await b.client.listTools();
    assert.ok(ta.tools.some((x) => x.name === 'write_file'));
    assert.deepEqual(tb, ta);

    const calls = [
      { name: 'read_text_file', arguments: { path: path.join(dir, 'hello.txt') } },
      { name: 'read_text_file', arguments: { path: path.join(dir, 'hello.txt'), head: 1 } },
      { name: 'read_text_file', arguments: { path: path.join(dir, 'sub', 'notes.md') } },
      { name: 'read_multiple_files', arguments: { paths: [path.join(dir, 'data.json'), path.join(dir, 'sub', 'notes.md')] } },
      { name: 'list_directory', arguments: { path: dir } },
      { name: 'directory_tree', arguments: { path: dir } },
      { name: 'search_files', arguments: { path: dir, pattern: '*.md' } },
      { name: 'list_allowed_directories', arguments: {} },
      // An error result from the server passes unchanged as well.
      { name: 'read_text_file', arguments: { path: '/etc/passwd' }, expectError: true },
    ];
    for (const { expectError, ...call } of calls) {
      const ra = await a.client.callTool(call);
      const rb = await b.client.callTool(call);
      assert.equal(ra.isError === true, !!expectError, `${call.name}: ${JSON.stringify(ra)}`);
      assert.deepEqual(rb, ra, `tools/call ${call.name} ${JSON.stringify(call.arguments)} differs through the gateway`);
    }
    const info = { name: 'get_file_info', arguments: { path: path.join(dir, 'hello.txt') } };
    assert.deepEqual(withoutTimes(await b.client.callTool(info)), withoutTimes(await a.client.callTool(info)));
    assert.match(text(await b.client.callTool(calls[0])), /^hello, world\nsecond line\n$/);
  });

  test('roots: the client\'s roots become the server\'s allowed directories', T, async (t) => {
    const startDir = fixtureDir(t);
    const rootDir = fs.realpathSync(tmpDir(t, 'assay-root-'));
    fs.writeFileSync(path.join(rootDir, 'from-root.txt'), 'inside the root\n');
    const roots = [{ uri: pathToFileURL(rootDir).href, name: 'test root' }];
    const policy = sandboxPolicy(t, { read: [startDir, rootDir] });
    const { client, rootsRequests } = await connect(t, gated(['--policy', policy], FILESYSTEM, [startDir]), { roots });

    // The server asks for roots right after initialization; wait for it to
    // apply the answer.
    let allowed = '';
    for (let i = 0; i < 200; i++) {
      allowed = text(await client.callTool({ name: 'list_allowed_directories', arguments: {} }));
      if (allowed.includes(rootDir)) break;
      await sleep(50);
    }
    assert.ok(rootsRequests() > 0, 'the server\'s roots/list request never reached the client');
    assert.equal(allowed, `Allowed directories:\n${rootDir}`);
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(rootDir, 'from-root.txt') } });
    assert.equal(text(r), 'inside the root\n');
  });

  test('--deny-tool write_file: hidden from tools/list, the call is refused and nothing is written', T, async (t) => {
    const dir = fixtureDir(t);
    const policy = sandboxPolicy(t, { write: [dir] });
    const { client } = await connect(t, gated(['--policy', policy, '--deny-tool', 'write_file'], FILESYSTEM, [dir]));
    const names = (await client.listTools()).tools.map((x) => x.name);
    assert.ok(!names.includes('write_file'), `write_file still listed: ${names}`);
    assert.ok(names.includes('read_text_file') && names.includes('edit_file'), `other tools missing: ${names}`);

    const target = path.join(dir, 'written.txt');
    const r = await client.callTool({ name: 'write_file', arguments: { path: target, content: 'should not exist' } });
    assert.equal(r.isError, true);
    assert.match(text(r), /assay-gateway/);
    assert.match(text(r), /write_file/);
    assert.match(text(r), /cli\.deny_tool\[0\]/);
    assert.equal(fs.existsSync(target), false, 'the denied write_file was carried out');

    // Allowed tools still work in the same session.
    const ok = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(dir, 'hello.txt') } });
    assert.equal(ok.isError, undefined);
    assert.match(text(ok), /hello, world/);
  });

  test('--deny-reply error: a denied call rejects with McpError -32050', T, async (t) => {
    const dir = fixtureDir(t);
    const policy = sandboxPolicy(t, { write: [dir] });
    const { client } = await connect(t, gated(['--policy', policy, '--deny-tool', 'write_*', '--deny-reply', 'error'], FILESYSTEM, [dir]));
    const target = path.join(dir, 'written.txt');
    await assert.rejects(
      client.callTool({ name: 'write_file', arguments: { path: target, content: 'x' } }),
      (e) => {
        assert.ok(e instanceof McpError, `not an McpError: ${e}`);
        assert.equal(e.code, -32050);
        assert.match(e.message, /assay-gateway denied/);
        assert.match(e.message, /cli\.deny_tool\[0\]/);
        return true;
      },
    );
    assert.equal(fs.existsSync(target), false);
  });

  test('--allow-tool: only the allowed tools are listed and callable', T, async (t) => {
    const dir = fixtureDir(t);
    const all = (await (await connect(t, direct(FILESYSTEM, [dir]))).client.listTools()).tools.map((x) => x.name);
    const policy = sandboxPolicy(t, { read: [dir] });
    const { client } = await connect(t, gated(['--policy', policy, '--allow-tool', 'read_*', '--allow-tool', 'list_directory'], FILESYSTEM, [dir]));
    const names = (await client.listTools()).tools.map((x) => x.name);
    const expected = all.filter((n) => n.startsWith('read_') || n === 'list_directory');
    assert.ok(expected.length >= 3 && expected.length < all.length);
    assert.deepEqual(names, expected);

    const listed = await client.callTool({ name: 'list_directory', arguments: { path: dir } });
    assert.match(text(listed), /\[FILE\] hello\.txt/);
    const refused = await client.callTool({ name: 'list_allowed_directories', arguments: {} });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /list_allowed_directories/);
    assert.match(text(refused), /cli\.allow_tool\.unmatched/);
  });

  test('--audit: a JSON Lines record of the session', T, async (t) => {
    const dir = fixtureDir(t);
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const policy = sandboxPolicy(t, { write: [dir] });
    const { client, transport } = await connect(t, gated(['--policy', policy, '--audit', audit, '--deny-tool', 'write_file'], FILESYSTEM, [dir]));
    const gatewayPid = transport.pid;
    await client.listTools();
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(dir, 'hello.txt') } });
    assert.match(text(read), /^hello, world\n/, JSON.stringify(read));
    const denied = await client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'w.txt'), content: 'x' } });
    assert.equal(denied.isError, true);
    assert.equal(fs.existsSync(path.join(dir, 'w.txt')), false, 'the denied write_file was carried out');
    await client.close();

    const recs = await waitForAudit(audit, (r) => r.event === 'exit');
    const start = recs[0];
    assert.equal(start.event, 'session_start');
    assert.deepEqual(start.command, [process.execPath, FILESYSTEM, dir]);
    assert.equal(start.gateway_pid, gatewayPid);
    assert.equal(start.policy, policy);
    assert.ok(Number.isInteger(start.server_pid) && start.server_pid > 0);
    assert.deepEqual(start.tool_rules, [{ id: 'cli.deny_tool[0]', action: 'deny', glob: 'write_file' }]);

    const deny = recs.filter((r) => r.event === 'request' && r.decision === 'deny');
    assert.equal(deny.length, 1, `expected one denied request: ${JSON.stringify(deny)}`);
    assert.equal(deny[0].tool, 'write_file');
    assert.equal(deny[0].method, 'tools/call');
    assert.equal(deny[0].rule, 'cli.deny_tool[0]');
    assert.equal(deny[0].dir, 'client_to_server');

    const allowedCall = recs.find((r) => r.event === 'request' && r.tool === 'read_text_file');
    assert.equal(allowedCall?.decision, 'allow');
    const responses = recs.filter((r) => r.event === 'response');
    assert.ok(responses.length >= 3, `responses: ${JSON.stringify(responses)}`); // initialize, tools/list, read_text_file
    for (const r of responses) {
      assert.ok(Number.isInteger(r.latency_us) && r.latency_us >= 0, `latency_us: ${JSON.stringify(r)}`);
      assert.ok(Number.isInteger(r.bytes) && r.bytes > 0, `bytes: ${JSON.stringify(r)}`);
    }
    const listResp = responses.find((r) => r.method === 'tools/list');
    assert.equal(listResp?.tools_removed, 1);
    assert.ok(responses.some((r) => r.method === 'tools/call' && r.tool === 'read_text_file' && r.outcome === 'result'));

    const last = recs.at(-1);
    assert.equal(last.event, 'exit');
    assert.equal(last.decided_by, 'server');
    assert.equal(last.exit_code, 0);
    assert.equal(last.server_status, 0);
    assert.equal(last.counts.denied, 1);
    // seq numbers every record in order.
    assert.deepEqual(recs.map((r) => r.seq), recs.map((_, i) => i));
    assert.equal(readAudit(audit).length, recs.length, 'records were added after the exit record');
    assert.equal(fs.statSync(audit).mode & 0o777, 0o600);
  });
});
