// Evidence: a real server-filesystem session observed through seccomp user
// notifications (--profile, --dry-run, --bundle), the deterministic run id,
// the suggested policy fed back, and `evidence lint|diff` on real bundles.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

import { GATEWAY, INTEGRATION_DIR, serverBin } from './lib/env.mjs';
import { baseEnv, startGateway, until } from './lib/gateway.mjs';
import { sandboxPolicy } from './lib/sandbox.mjs';
import { connect, gated } from './lib/sdk.mjs';
import { tmpDir } from './lib/tmp.mjs';

const FILESYSTEM = serverBin('@modelcontextprotocol/server-filesystem');
const T = { timeout: 120_000 };
const NODE = fs.realpathSync(process.execPath);

const text = (r) => (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

/** A project directory with one file to read; the policy grants it. */
function project(t, dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'observed\n');
  const policy = sandboxPolicy(t, { read: [dir], write: [dir] });
  return policy;
}

/**
 * A scripted session through the gateway (the same bytes every time):
 * initialize, tools/list, read notes.txt, then write each file of |writes|.
 * Returns the gateway's exit {code, signal} and its stderr.
 */
async function scripted(t, args, dir, writes, opts = {}) {
  const gw = startGateway(t, [...args, '--', process.execPath, FILESYSTEM, dir],
    { cwd: INTEGRATION_DIR, env: baseEnv(opts.env ?? {}) });
  await gw.initialize();
  const list = await gw.request({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
  assert.ok(list.result?.tools?.length, gw.describe());
  const read = await gw.call('r', 'read_text_file', { path: opts.readPath ?? path.join(dir, 'notes.txt') });
  let id = 0;
  for (const w of writes) {
    const r = await gw.call(`w${id++}`, 'write_file', { path: path.join(dir, w), content: `${w}\n` });
    assert.notEqual(r.result?.isError, true, `write_file ${w}: ${JSON.stringify(r)}\n${gw.describe()}`);
  }
  const exit = await gw.finish();
  return { exit, stderr: gw.stderr, read };
}

function lint(bundle, extra = []) {
  return spawnSync(GATEWAY, ['evidence', 'lint', ...extra, bundle], { encoding: 'utf8' });
}

describe('profile mode', () => {
  test('a server-filesystem session: programs, the files read and written, the MCP decisions', T, async (t) => {
    const dir = tmpDir(t, 'assay-ev-proj-');
    const policy = project(t, dir);
    const out = tmpDir(t, 'assay-ev-out-');
    const prof = path.join(out, 'run.profile.json');
    const { client } = await connect(t, {
      ...gated(['--policy', policy, '--profile', prof, '--profile-format', 'json'], FILESYSTEM, [dir]),
      cwd: INTEGRATION_DIR, env: baseEnv({ ASSAY_IT_SETTING: 'value-ev-7781' }),
    });
    assert.ok((await client.listTools()).tools.some((x) => x.name === 'read_text_file'));
    const r = await client.callTool({ name: 'read_text_file', arguments: { path: path.join(dir, 'notes.txt') } });
    assert.equal(text(r).trim(), 'observed');
    const w = await client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'made.txt'), content: 'x' } });
    assert.notEqual(w.isError, true, text(w));
    await client.close();

    const evFile = path.join(out, 'run.profile.evidence.json');
    await until(() => fs.existsSync(path.join(out, 'run.profile.json.report.md')), 'the profile outputs');
    const ev = readJson(evFile);
    assert.equal(ev.schema, 'assay-evidence/1');
    assert.match(ev.run_id, /^sandbox_[0-9a-f]{16}$/);
    assert.ok(ev.programs.some((p) => p.path === NODE || fs.realpathSync(p.path) === NODE),
      `node is not among the programs: ${JSON.stringify(ev.programs)}`);
    const file = (p) => ev.files.find((f) => f.path === p);
    assert.deepEqual(file(path.join(dir, 'notes.txt'))?.access, ['read']);
    const made = file(path.join(dir, 'made.txt'));
    assert.ok(made && made.access.includes('create') && made.access.includes('write'), JSON.stringify(made));
    const calls = ev.mcp.calls.filter((c) => c.method === 'tools/call');
    assert.deepEqual(calls.map((c) => [c.name, c.decision]).sort(),
      [['read_text_file', 'allow'], ['write_file', 'allow']]);
    assert.ok(ev.mcp.tools_listed.includes('read_text_file'));
    assert.ok(ev.counters.notifications > 0 && ev.counters.lost === 0, JSON.stringify(ev.counters));
    // Nothing of the environment is recorded.
    assert.doesNotMatch(fs.readFileSync(evFile, 'utf8'), /value-ev-7781|ASSAY_IT_SETTING/);

    // The suggested policy loads and lets the same session pass under enforcement.
    const suggested = readJson(prof);
    assert.deepEqual(suggested.tools.allow.sort(), ['read_text_file', 'write_file']);
    const check = spawnSync(GATEWAY, ['policy', 'check', prof], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    fs.rmSync(path.join(dir, 'made.txt'));
    const again = await connect(t, {
      ...gated(['--policy', prof], FILESYSTEM, [dir]), cwd: INTEGRATION_DIR, env: baseEnv(),
    });
    const r2 = await again.client.callTool({ name: 'read_text_file', arguments: { path: path.join(dir, 'notes.txt') } });
    assert.equal(text(r2).trim(), 'observed', text(r2));
    const w2 = await again.client.callTool({ name: 'write_file', arguments: { path: path.join(dir, 'made.txt'), content: 'y' } });
    assert.notEqual(w2.isError, true, text(w2));
    assert.equal(fs.readFileSync(path.join(dir, 'made.txt'), 'utf8'), 'y');
    // A tool the run did not call is now denied.
    const other = await again.client.callTool({ name: 'list_directory', arguments: { path: dir } });
    assert.equal(other.isError, true);
    assert.match(text(other), /assay-gateway/);
  });

  test('the same session gives the same run id; one more write changes it and diff names it', T, async (t) => {
    const base = tmpDir(t, 'assay-ev-det-');
    const dir = path.join(base, 'proj'); // the same path for every run
    const policy = project(t, dir);
    const out = tmpDir(t, 'assay-ev-out-');
    const run = async (name, writes) => {
      for (const f of fs.readdirSync(dir)) if (f !== 'notes.txt') fs.rmSync(path.join(dir, f));
      const bundle = path.join(out, `${name}.tar.gz`);
      const { exit, stderr } = await scripted(t, ['--policy', policy, '--bundle', bundle,
        '--profile', path.join(out, `${name}.json`), '--profile-format', 'json'], dir, writes);
      assert.equal(exit.code, 0, stderr);
      return { bundle, id: readJson(path.join(out, `${name}.evidence.json`)).run_id };
    };
    const a = await run('a', ['out.txt']);
    const b = await run('b', ['out.txt']);
    const c = await run('c', ['out.txt', 'extra.txt']);
    assert.equal(a.id, b.id, 'the same behaviour gave different run ids');
    assert.notEqual(a.id, c.id, 'an extra write did not change the run id');

    const same = spawnSync(GATEWAY, ['evidence', 'diff', '--fail-on', 'any', '--json', a.bundle, b.bundle], { encoding: 'utf8' });
    assert.equal(same.status, 0, same.stdout + same.stderr);
    const d = spawnSync(GATEWAY, ['evidence', 'diff', '--fail-on', 'writes', '--json', a.bundle, c.bundle], { encoding: 'utf8' });
    assert.equal(d.status, 1, d.stdout + d.stderr);
    const diff = JSON.parse(d.stdout);
    const added = Object.entries(diff.classes ?? diff).flatMap(([cls, v]) =>
      (v?.added ?? []).map((item) => `${cls}: ${item}`));
    const extra = path.join(dir, 'extra.txt');
    assert.ok(added.length > 0 && added.every((x) => x.includes(extra)),
      `diff added more or less than the extra write: ${JSON.stringify(added)}`);
    assert.ok(added.some((x) => x.startsWith('writes:')), JSON.stringify(added));
    // The human form says the same.
    const human = spawnSync(GATEWAY, ['evidence', 'diff', a.bundle, c.bundle], { encoding: 'utf8' });
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, new RegExp(extra.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });
});

test('observation covers every descendant and resolves relative paths', T, async (t) => {
  const dir = tmpDir(t, 'assay-ev-desc-');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'observed\n');
  const policy = sandboxPolicy(t, { read: [dir] });
  const out = tmpDir(t, 'assay-ev-out-');
  // A shell whose subshell runs cat in a relative directory, then the server.
  const script = `cd /usr/share && (cat ./common-licenses/GPL-3 > /dev/null &) ; wait; ` +
    `cd ${JSON.stringify(dir)} && exec "$0" "$@"`;
  const gw = startGateway(t, ['--policy', policy, '--profile', path.join(out, 'p.json'),
    '--profile-format', 'json', '--', '/bin/sh', '-c', script, process.execPath, FILESYSTEM, dir],
  { cwd: INTEGRATION_DIR, env: baseEnv() });
  await gw.initialize();
  const exit = await gw.finish();
  assert.equal(exit.code, 0, gw.describe());
  const ev = readJson(path.join(out, 'p.evidence.json'));
  const progs = ev.programs.map((p) => p.path);
  assert.ok(progs.some((p) => /\/(sh|dash|bash)$/.test(p)), JSON.stringify(progs));
  assert.ok(progs.some((p) => /\/cat$/.test(p)), `the subshell's cat is missing: ${JSON.stringify(progs)}`);
  assert.ok(progs.some((p) => fs.existsSync(p) && fs.realpathSync(p) === NODE), JSON.stringify(progs));
  const gpl = ev.files.find((f) => f.path === '/usr/share/common-licenses/GPL-3');
  assert.ok(gpl && gpl.access.includes('read'), 'the relative path was not resolved against the cwd');
});

describe('dry run', () => {
  test('reading a fake ~/.ssh/id_rsa completes, is named as a violation, and exits 4', T, async (t) => {
    const home = tmpDir(t, 'assay-ev-home-');
    fs.mkdirSync(path.join(home, '.ssh'));
    const key = path.join(home, '.ssh', 'id_rsa');
    fs.writeFileSync(key, 'not a real key\n');
    const policy = sandboxPolicy(t, { read: [home] });
    const out = tmpDir(t, 'assay-ev-out-');
    const { exit, stderr, read } = await scripted(t, ['--policy', policy, '--dry-run', '--profile',
      path.join(out, 'dry.json'), '--profile-format', 'json'], home, [],
    { env: { HOME: home }, readPath: key });
    assert.equal(exit.code, 4, stderr);
    // Credentials stay protected in a dry run: the kernel refused the read.
    assert.equal(read.result?.isError, true, JSON.stringify(read));
    assert.doesNotMatch(JSON.stringify(read), /not a real key/);
    const ev = readJson(path.join(out, 'dry.evidence.json'));
    assert.equal(ev.mode, 'dry-run');
    const v = ev.violations.find((x) => x.subject === key);
    assert.ok(v && v.kind === 'file' && v.access === 'read', JSON.stringify(ev.violations));
    assert.match(stderr, /would refuse read .*id_rsa/);
    // The suggested policy does not allow it, and says so.
    const suggested = readJson(path.join(out, 'dry.json'));
    assert.doesNotMatch(JSON.stringify(suggested), /\.ssh/);
    assert.match(fs.readFileSync(path.join(out, 'dry.json.report.md'), 'utf8'), /id_rsa, a credential path: not allowed/);
  });

  test('a dry run lets the server do what the policy would refuse, and records it', T, async (t) => {
    const dir = tmpDir(t, 'assay-ev-dry-');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'observed\n');
    // Read only: the write is outside the policy, yet it happens in a dry run.
    const policy = sandboxPolicy(t, { read: [dir] });
    const out = tmpDir(t, 'assay-ev-out-');
    const { exit, stderr } = await scripted(t, ['--policy', policy, '--dry-run', '--profile',
      path.join(out, 'p.json'), '--profile-format', 'json'], dir, ['new.txt']);
    assert.equal(exit.code, 4, stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'new.txt'), 'utf8'), 'new.txt\n');
    const ev = readJson(path.join(out, 'p.evidence.json'));
    assert.ok(ev.violations.some((x) => x.subject === path.join(dir, 'new.txt') && x.access === 'write'),
      JSON.stringify(ev.violations));
  });
});

test('a dry run keeps the gateway\'s own files out of reach', T, async (t) => {
    const policy = sandboxPolicy(t, { network: 'none' });
    const polDir = path.dirname(policy);
    const before = fs.readFileSync(policy, 'utf8');
    const elsewhere = tmpDir(t, 'assay-ev-else-');
    const gw = startGateway(t, ['--policy', policy, '--dry-run', '--', process.execPath, FILESYSTEM, polDir, elsewhere],
      { cwd: INTEGRATION_DIR, env: baseEnv() });
    await gw.initialize();
    const w = await gw.call('w', 'write_file', { path: policy, content: 'version: 1\nmode: audit\n' });
    assert.equal(w.result?.isError, true, JSON.stringify(w));
    assert.equal(fs.readFileSync(policy, 'utf8'), before);
    // Elsewhere the dry run lets it write (the violation is recorded).
    const other = path.join(elsewhere, 'scratch.txt');
    const ok = await gw.call('o', 'write_file', { path: other, content: 'x' });
    assert.notEqual(ok.result?.isError, true, JSON.stringify(ok));
    const exit = await gw.finish();
    assert.equal(exit.code, 4, gw.describe());
    assert.match(gw.stderr, new RegExp(`would refuse write ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

describe('bundles', () => {
  test('evidence lint accepts a real bundle and catches a tampered one', T, async (t) => {
    const dir = tmpDir(t, 'assay-ev-lint-');
    const policy = project(t, dir);
    const out = tmpDir(t, 'assay-ev-out-');
    const bundle = path.join(out, 'run.tar.gz');
    const { exit, stderr } = await scripted(t, ['--policy', policy, '--bundle', bundle], dir, ['w.txt']);
    assert.equal(exit.code, 0, stderr);
    const ok = lint(bundle);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);

    // Change one byte of events.ndjson inside the archive (the tar is
    // uncompressed in memory, edited, compressed again).
    const tar = zlib.gunzipSync(fs.readFileSync(bundle));
    const at = tar.indexOf(Buffer.from('read_text_file'));
    assert.ok(at > 0, 'the bundle does not name the tool called');
    tar[at] = 'R'.charCodeAt(0);
    const tampered = path.join(out, 'tampered.tar.gz');
    fs.writeFileSync(tampered, zlib.gzipSync(tar));
    const bad = lint(tampered);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, /events\.ndjson/);
    assert.match(bad.stdout + bad.stderr, /sha256|digest/i);
  });

  test('a signed bundle verifies with the public key; the server cannot read the signing key', T, async (t) => {
    const dir = tmpDir(t, 'assay-ev-sign-');
    const policy = project(t, dir);
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const key = path.join(dir, 'key.pem'); // inside a directory the server may read
    fs.writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const pub = path.join(tmpDir(t, 'assay-ev-pub-'), 'pub.pem');
    fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const out = tmpDir(t, 'assay-ev-out-');
    const bundle = path.join(out, 'signed.tar.gz');
    const { exit, stderr, read } = await scripted(t, ['--policy', policy, '--bundle', bundle,
      '--bundle-key', key], dir, [], { readPath: key });
    assert.equal(exit.code, 0, stderr);
    assert.equal(read.result?.isError, true, JSON.stringify(read));
    assert.doesNotMatch(JSON.stringify(read), /PRIVATE KEY/);
    const ok = lint(bundle, ['--key', pub]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /signature verified/);
    // Another key does not verify it.
    const other = path.join(out, 'other.pem');
    fs.writeFileSync(other, crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const bad = lint(bundle, ['--key', other]);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  });

  test('a key that cannot sign stops the run before the server starts', T, async (t) => {
    const dir = tmpDir(t, 'assay-ev-rsa-');
    const rsa = path.join(dir, 'rsa.pem');
    fs.writeFileSync(rsa, crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      .export({ type: 'pkcs8', format: 'pem' }));
    const marker = path.join(dir, 'started');
    const r = spawnSync(GATEWAY, ['--bundle', path.join(dir, 'b.tar.gz'), '--bundle-key', rsa, '--',
      '/bin/sh', '-c', `touch ${JSON.stringify(marker)}`], { encoding: 'utf8', env: baseEnv(), input: '' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Ed25519|ed25519/);
    assert.equal(fs.existsSync(marker), false, 'the server was started');
  });
});
