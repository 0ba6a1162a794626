// Real servers in the sandbox of the built-in policy, driven by the SDK
// client: every tool that needs no network works; what the policy does not
// grant is refused by the kernel even when the tool policy allows the call;
// the sandbox's own settings fail closed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { readAudit, waitForAudit } from './lib/audit.mjs';
import { GATEWAY, INTEGRATION_DIR, serverBin } from './lib/env.mjs';
import { baseEnv } from './lib/gateway.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { connect, gated } from './lib/sdk.mjs';
import { tmpDir } from './lib/tmp.mjs';

const EVERYTHING = serverBin('@modelcontextprotocol/server-everything');
const FILESYSTEM = serverBin('@modelcontextprotocol/server-filesystem');
const MEMORY = serverBin('@modelcontextprotocol/server-memory');
const T = { timeout: 120_000 };

/** Spawn parameters through the gateway, in the tests' directory (read-only to the server). */
function inSandbox(opts, bin, args = [], env = {}) {
  return { ...gated(opts, bin, args), cwd: INTEGRATION_DIR, env: baseEnv(env) };
}

const text = (r) => (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

describe('server-everything under the built-in policy', () => {
  // Arguments for every tool it offers; a tool missing here fails the test,
  // so a new version's tools are not silently left out.  gzip-file-as-resource
  // gets a data: URI (no network).
  const calls = {
    'echo': { message: 'hello from the sandbox' },
    'get-annotated-message': { messageType: 'success', includeImage: true },
    'get-env': {},
    'get-resource-links': { count: 2 },
    'get-resource-reference': { resourceType: 'Text', resourceId: 1 },
    'get-structured-content': { location: 'Chicago' },
    'get-sum': { a: 2, b: 40 },
    'get-tiny-image': {},
    'gzip-file-as-resource': { name: 'x.gz', data: 'data:text/plain;base64,aGVsbG8K' },
    'toggle-simulated-logging': {},
    'toggle-subscriber-updates': {},
    'trigger-long-running-operation': { duration: 0.2, steps: 2 },
  };
  // Needs a client that answers elicitation and sampling: not a sandbox matter.
  const clientFeatures = new Set(['simulate-research-query']);

  test('every tool that needs no network works, and the environment is scrubbed', T, async (t) => {
    const secret = 'ghp_' + 'A'.repeat(36);
    const { client, stderr } = await connect(t, inSandbox([], EVERYTHING, [], {
      GITHUB_TOKEN: secret, LD_PRELOAD: '/nonexistent/assay.so', NODE_OPTIONS: '--no-warnings',
      ASSAY_VISIBLE: 'kept',
    }));
    const { tools } = await client.listTools();
    for (const tool of tools) {
      if (clientFeatures.has(tool.name)) continue;
      assert.ok(tool.name in calls, `no arguments for ${tool.name}: add it to the table`);
      const r = await client.callTool({ name: tool.name, arguments: calls[tool.name] });
      assert.ok(!r.isError, `${tool.name} failed in the sandbox: ${text(r)}\n${stderr()}`);
    }
    const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
    assert.match(text(sum), /42/);
    const env = text(await client.callTool({ name: 'get-env', arguments: {} }));
    assert.ok(!env.includes(secret), 'the token reached the server');
    assert.doesNotMatch(env, /GITHUB_TOKEN|LD_PRELOAD|NODE_OPTIONS/);
    assert.match(env, /ASSAY_VISIBLE/);
    const tmp = JSON.parse(env).TMPDIR;
    assert.match(tmp, /^\/tmp\/assay-\d+-[A-Za-z0-9]{6}$/);
    assert.equal(JSON.parse(env).TMP, tmp);
  });

  test('--env-allow passes a variable the patterns would remove', T, async (t) => {
    const { client } = await connect(t, inSandbox(['--env-allow', 'GITHUB_TOKEN'], EVERYTHING, [],
      { GITHUB_TOKEN: 'on-purpose' }));
    const env = JSON.parse(text(await client.callTool({ name: 'get-env', arguments: {} })));
    assert.equal(env.GITHUB_TOKEN, 'on-purpose');
  });
});

describe('server-memory under the built-in policy', () => {
  test('its knowledge graph lives in the private tmp (MEMORY_FILE_PATH)', T, async (t) => {
    // Without MEMORY_FILE_PATH it writes next to its code, which the
    // sandbox does not let it change; a shell sets the path from TMPDIR.
    const params = inSandbox([], '/bin/sh', []);
    params.args = [...params.args.slice(0, params.args.indexOf('--') + 1), '/bin/sh', '-c',
      `MEMORY_FILE_PATH="$TMPDIR/memory.jsonl" exec "${process.execPath}" "${MEMORY}"`];
    const { client, stderr } = await connect(t, params);
    const calls = [
      ['create_entities', { entities: [{ name: 'gateway', entityType: 'program', observations: ['written in C'] }] }],
      ['create_entities', { entities: [{ name: 'kernel', entityType: 'program', observations: [] }] }],
      ['create_relations', { relations: [{ from: 'gateway', to: 'kernel', relationType: 'trusts' }] }],
      ['add_observations', { observations: [{ entityName: 'kernel', contents: ['enforces Landlock'] }] }],
      ['search_nodes', { query: 'Landlock' }],
      ['open_nodes', { names: ['gateway'] }],
      ['delete_observations', { deletions: [{ entityName: 'gateway', observations: ['written in C'] }] }],
      ['delete_relations', { relations: [{ from: 'gateway', to: 'kernel', relationType: 'trusts' }] }],
      ['delete_entities', { entityNames: ['kernel'] }],
      ['read_graph', {}],
    ];
    const { tools } = await client.listTools();
    assert.deepEqual(new Set(tools.map((x) => x.name)), new Set(calls.map(([n]) => n).concat([])));
    for (const [name, args] of calls) {
      const r = await client.callTool({ name, arguments: args });
      assert.ok(!r.isError, `${name}: ${text(r)}\n${stderr()}`);
    }
    const graph = text(await client.callTool({ name: 'read_graph', arguments: {} }));
    assert.match(graph, /gateway/);
    assert.doesNotMatch(graph, /kernel/);
  });
});

describe('defence in depth: the kernel refuses what the tool policy lets through', () => {
  test('write_file outside the writable grants fails with the tool error; the log says why', T, async (t) => {
    const root = fs.realpathSync(tmpDir(t, 'assay-did-'));
    fs.writeFileSync(path.join(root, 'existing.txt'), 'original\n');
    // The server is told it may use all of |root| and the tool policy
    // allows everything; the sandbox grants |root| read-only.
    const policy = sandboxPolicy(t, { read: [root] });
    const audit = path.join(tmpDir(t, 'assay-did-audit-'), 'audit.jsonl');
    const { client, stderr } = await connect(t, inSandbox(['--policy', policy, '--audit', audit],
      FILESYSTEM, [root]));
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(root, 'existing.txt') } });
    assert.ok(!read.isError, text(read));
    assert.match(text(read), /original/);
    const target = path.join(root, 'new.txt');
    const w = await client.callTool({ name: 'write_file', arguments: { path: target, content: 'x' } });
    assert.equal(w.isError, true, 'the write should have failed');
    assert.match(text(w), /EACCES|permission denied/i);
    assert.ok(!fs.existsSync(target), 'the kernel let the write through');
    const e = await client.callTool({ name: 'edit_file', arguments: { path: path.join(root, 'existing.txt'), edits: [{ oldText: 'original', newText: 'changed' }] } });
    assert.equal(e.isError, true);
    assert.equal(fs.readFileSync(path.join(root, 'existing.txt'), 'utf8'), 'original\n');
    assert.match(stderr(), /probable sandbox refusal: write_file failed with a permission error on .*new\.txt/);
    const isWrite = (r) => r.event === 'response' && r.tool === 'write_file';
    const rec = (await waitForAudit(audit, isWrite)).find(isWrite);
    assert.match(rec.probable_sandbox_refusal, /new\.txt$/);
  });

  test('a granted directory is writable through the same server', T, async (t) => {
    const root = fs.realpathSync(tmpDir(t, 'assay-did-w-'));
    const policy = sandboxPolicy(t, { write: [root] });
    const { client } = await connect(t, inSandbox(['--policy', policy], FILESYSTEM, [root]));
    const w = await client.callTool({ name: 'write_file', arguments: { path: path.join(root, 'ok.txt'), content: 'fine' } });
    assert.ok(!w.isError, text(w));
    assert.equal(fs.readFileSync(path.join(root, 'ok.txt'), 'utf8'), 'fine');
  });
});

describe('no process of the server outlives the gateway', () => {
  /** Pids of processes whose command line is exactly |argv|. */
  const find = (argv) => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') === argv.join('\0') + '\0'; } catch { return false; }
  }).map(Number);

  // As root the gateway makes the PID namespace directly; as nobody, inside
  // a user namespace of its own.
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  for (const user of ['root', 'nobody']) {
  test(`a helper that left the process group and ignores SIGTERM dies with a SIGKILLed gateway (${user})`, {
    ...T, skip: process.getuid() !== 0 ? 'needs root to run as both users' : user === 'nobody' && !setpriv && 'setpriv is not installed',
  }, async (t) => {
    const tag = String(900000 + Math.floor(Math.random() * 99999));
    const home = tmpDir(t, 'assay-home-');
    fs.chmodSync(home, 0o777);
    const argv = [GATEWAY, 'sandbox', '--', '/bin/sh', '-c',
      `setsid /bin/sh -c 'trap "" TERM HUP; exec sleep ${tag}' </dev/null >/dev/null 2>&1 & echo ready; exec sleep ${Number(tag) + 1}`];
    if (user === 'nobody') argv.unshift(setpriv, '--reuid=65534', '--regid=65534', '--clear-groups', '--');
    const gw = spawn(argv[0], argv.slice(1), { env: baseEnv({ HOME: home, XDG_STATE_HOME: path.join(home, 'state') }), cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => { for (const p of find(['sleep', tag])) try { process.kill(p, 'SIGKILL'); } catch {} });
    await new Promise((resolve, reject) => {
      gw.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
      gw.on('exit', () => reject(new Error('the gateway exited early')));
    });
    let helper = [];
    for (let i = 0; i < 100 && helper.length === 0; i++) {
      helper = find(['sleep', tag]);
      if (!helper.length) await sleep(20);
    }
    assert.equal(helper.length, 1, 'the helper is not running');
    const sid = fs.readFileSync(`/proc/${helper[0]}/stat`, 'utf8').split(') ')[1].split(' ')[3];
    assert.equal(Number(sid), helper[0], 'the helper did not start a session of its own');
    // The gateway itself (setpriv execs it: same pid).
    gw.kill('SIGKILL');
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      alive = find(['sleep', tag]).length > 0;
      if (alive) await sleep(20);
    }
    assert.equal(alive, false, 'the helper outlived the gateway');
  });
  }
});

describe('the gateway restricts itself once the server runs', () => {
  test('its own seccomp filter is loaded when the audit log says so, and the session works', T, async (t) => {
    const audit = path.join(tmpDir(t, 'assay-self-'), 'audit.jsonl');
    const { client, transport } = await connect(t, inSandbox(['--audit', audit], EVERYTHING));
    const r = await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    assert.match(text(r), /3/);
    const start = (await waitForAudit(audit, (e) => e.event === 'session_start')).find((e) => e.event === 'session_start');
    const status = fs.readFileSync(`/proc/${transport.pid}/status`, 'utf8');
    const mode = Number(/^Seccomp:\s+(\d+)/m.exec(status)[1]);
    // Sanitizer builds leave it off (LeakSanitizer needs ptrace at exit).
    assert.equal(mode === 2, start.sandbox.gateway_restricted, `Seccomp ${mode}, audit ${start.sandbox.gateway_restricted}`);
    const sanitized = /ASSAY_SANITIZE:BOOL=ON/.test(fs.readFileSync(path.join(process.env.ASSAY_BUILD_DIR ?? path.join(INTEGRATION_DIR, '..', '..', 'build'), 'CMakeCache.txt'), 'utf8'));
    assert.equal(start.sandbox.gateway_restricted, !sanitized);
    // Root here: the server runs under the gateway's init in a PID namespace.
    if (process.getuid() === 0) assert.equal(start.sandbox.pid_namespace, true);
  });
});

describe('sandbox settings fail closed', () => {
  const run = (args, opts = {}) => spawnSync(GATEWAY, args, { encoding: 'utf8', env: baseEnv(), cwd: INTEGRATION_DIR, timeout: 60_000, ...opts });

  test('a write grant over the policy file is refused before the server starts', T, (t) => {
    const dir = fs.realpathSync(tmpDir(t, 'assay-own-'));
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, `version: 1\nsandbox:\n  filesystem:\n    write: [${JSON.stringify(dir)}]\n`);
    const marker = path.join(dir, 'ran');
    const r = run(['--policy', file, '--', '/bin/sh', '-c', `echo > ${marker}`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /holds the gateway's own policy file/);
    assert.ok(!fs.existsSync(marker), 'the server ran');
  });

  test('--fail-closed stops on what the kernel cannot enforce, with the list', T, (t) => {
    // Named unix sockets cannot be limited to the named one below Landlock
    // ABI 9: with --fail-closed that stops the run.
    const abi = Number(run(['doctor', '--json']).stdout && JSON.parse(run(['doctor', '--json']).stdout).landlock_abi);
    if (abi >= 9) return t.skip(`Landlock ABI ${abi} enforces unix socket paths`);
    const dir = fs.realpathSync(tmpDir(t, 'assay-fc-'));
    const file = path.join(dir, 'policy.yaml');
    fs.writeFileSync(file, 'version: 1\nsandbox:\n  network:\n    connect_tcp: [443]\n    unix_sockets: [/run/app.sock]\n');
    const r = run(['sandbox', '--policy', file, '--fail-closed', '--', '/bin/true']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot enforce everything the policy asks for \(--fail-closed\)/);
    assert.match(r.stderr, /- network: unix sockets are allowed for \/run\/app\.sock/);
    // Without --fail-closed the same run goes ahead and says what is degraded.
    const ok = run(['sandbox', '--policy', file, '--', '/bin/true']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /not enforced \(network\)/);
  });

  test('the sandbox subcommand refuses the tool options, which mean nothing without MCP', T, () => {
    const r = run(['sandbox', '--deny-tool', 'x', '--', '/bin/true']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /apply to MCP servers only/);
  });

  test('the sandbox subcommand passes the exit status and removes its private tmp', T, () => {
    const r = run(['sandbox', '--', '/bin/sh', '-c', 'echo "$TMPDIR"; exit 7']);
    assert.equal(r.status, 7, r.stderr);
    const tmp = r.stdout.trim();
    assert.match(tmp, /^\/tmp\/assay-\d+-/);
    assert.ok(!fs.existsSync(tmp), 'the private tmp outlived the run');
  });

  test('doctor probes the machine and exits 0 when the built-in policy is enforced', T, () => {
    const r = run(['doctor', '--json']);
    const doc = JSON.parse(r.stdout);
    const enforced = doc.checks.find((c) => c.check === 'default_policy.enforced');
    assert.ok(enforced, 'no enforcement probe');
    assert.equal(r.status, doc.default_policy_enforced ? 0 : 1);
    if (doc.landlock_abi >= 6) {
      assert.equal(enforced.ok, true, enforced.detail);
      assert.equal(r.status, 0, r.stdout);
    }
  });

  test('the audit log records the sandbox and what it removed', T, async (t) => {
    const audit = path.join(tmpDir(t, 'assay-sbx-audit-'), 'audit.jsonl');
    const r = run(['--audit', audit, '--', '/bin/true'], { input: '', env: baseEnv({ AWS_SECRET_ACCESS_KEY: 'x' }) });
    assert.equal(r.status, 0, r.stderr);
    const start = readAudit(audit).find((e) => e.event === 'session_start');
    assert.equal(start.sandbox.enabled, true);
    assert.ok(start.sandbox.landlock_abi >= 1 || start.sandbox.degraded.length > 0);
    assert.ok(start.sandbox.env_removed.some((v) => v.name === 'AWS_SECRET_ACCESS_KEY' && v.why === 'secret'));
    assert.ok(!JSON.stringify(start).includes('"x"'), 'a removed value reached the audit log');
  });
});
