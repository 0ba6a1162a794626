// The policy file (docs/policy.md) end to end: `assay-gateway policy
// check|show`, where the policy comes from, and what each section does to a
// real session (server-filesystem through the SDK client, the demo server
// over raw pipes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { McpError } from '@modelcontextprotocol/sdk/types.js';

import { readAudit, waitForAudit } from './lib/audit.mjs';
import { DEMO_SERVER, GATEWAY, INTEGRATION_DIR, serverBin } from './lib/env.mjs';
import { baseEnv, demoArgs, isResponse, resultText, startGateway, until } from './lib/gateway.mjs';
import { NODE_MODULES, sandboxYaml } from './lib/sandbox.mjs';
import { connect, gated } from './lib/sdk.mjs';
import { tmpDir } from './lib/tmp.mjs';

const T = { timeout: 120_000 };
const REPO = path.resolve(INTEGRATION_DIR, '..', '..');
const PACKS_DIR = path.join(REPO, 'policies');
const PACKS = ['ci.yaml', 'default.yaml', 'filesystem-readonly.yaml', 'strict.yaml'];
const FIXTURES = path.join(INTEGRATION_DIR, 'fixtures');
const FILESYSTEM = serverBin('@modelcontextprotocol/server-filesystem');
const DENIED = -32050;

/** Run the gateway to completion (for `policy ...` and start-up failures). */
function run(args, opts = {}) {
  const r = spawnSync(GATEWAY, args, {
    encoding: 'utf8',
    env: opts.env ?? envWith(),
    cwd: opts.cwd,
    input: opts.input ?? '',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return r;
}

// Pins and the audit key live under $XDG_STATE_HOME: never the user's own.
const STATE = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'assay-pol-state-'));
after(() => fs.rmSync(STATE, { recursive: true, force: true }));

/** baseEnv() (which drops any ASSAY_POLICY of ours), a private state directory, and |extra|. */
const envWith = (extra = {}) => ({ ...baseEnv(), XDG_STATE_HOME: STATE, ...extra });

const show = (r) => `exit ${r.status} (signal ${r.signal})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Write |text| as a policy file in a fresh temporary directory. */
function writePolicy(t, text, name = 'policy.yaml') {
  const file = path.join(tmpDir(t, 'assay-pol-'), name);
  fs.writeFileSync(file, text);
  return file;
}

/** What the server started by markedDemoArgs writes to its stderr first. */
const STARTED = 'assay-it: the marked server started';

/**
 * Gateway arguments for the demo server started through /bin/sh, which
 * first says STARTED on its stderr (passed on to the gateway's) and creates
 * |marker|: the marker exists if and only if the server ran, provided the
 * policy lets the server write the marker's directory.  The stderr line
 * shows a server started even by a policy that grants no such thing.
 */
function markedDemoArgs(gatewayOpts, marker) {
  return [...gatewayOpts, '--', '/bin/sh', '-c', `echo '${STARTED}' >&2; : > "$0" && exec "$1"`, marker, DEMO_SERVER];
}

const callReq = (id, name, args = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** Every response the gateway wrote, batch elements included. */
function allResponses(gw) {
  return gw.messages.flatMap((m) => (Array.isArray(m) ? m : [m])).filter(isResponse);
}

/** The response with |id| among all responses (batches included). */
async function anyResponse(gw, id) {
  const same = (r) => JSON.stringify(r.id) === JSON.stringify(id);
  await until(() => allResponses(gw).some(same) || gw.exit !== null, `the response to id ${JSON.stringify(id)}`);
  const r = allResponses(gw).find(same);
  assert.ok(r, `no response to id ${JSON.stringify(id)}\n${gw.describe()}`);
  return r;
}

/** A tool call denied by the gateway with the isError result naming |rule|. */
function assertDeniedResult(resp, id, rule, what = '') {
  assert.deepEqual(resp.id, id, `${what}: id ${JSON.stringify(resp)}`);
  assert.equal(resp.error, undefined, `${what}: ${JSON.stringify(resp)}`);
  assert.equal(resp.result?.isError, true, `${what}: not an isError result: ${JSON.stringify(resp)}`);
  const text = resultText(resp);
  assert.match(text, /^assay-gateway denied /, `${what}: ${text}`);
  assert.ok(text.includes(`rule ${rule}`), `${what}: the deny text does not name rule ${rule}: ${text}`);
}

/** A request denied by the gateway with the -32050 error naming |rule|. */
function assertDeniedError(resp, id, rule, what = '') {
  assert.deepEqual(resp.id, id, `${what}: id ${JSON.stringify(resp)}`);
  assert.equal(resp.result, undefined, `${what}: ${JSON.stringify(resp)}`);
  assert.equal(resp.error?.code, DENIED, `${what}: ${JSON.stringify(resp)}`);
  assert.match(resp.error.message, /^assay-gateway denied /, `${what}: ${JSON.stringify(resp)}`);
  assert.ok(resp.error.message.includes(`rule ${rule}`), `${what}: the message does not name rule ${rule}: ${resp.error.message}`);
}

const text = (result) => (result.content ?? []).map((c) => c.text ?? '').join('\n');

/** A response the gateway did not deny (the server's answer, error or not). */
function assertNotDenied(resp, what = '') {
  assert.notEqual(resp.error?.code, DENIED, `${what}: denied: ${JSON.stringify(resp)}`);
  assert.doesNotMatch(resultText(resp) ?? '', /^assay-gateway denied/, `${what}: denied: ${JSON.stringify(resp)}`);
}

// ---------------------------------------------------------------------------

describe('assay-gateway policy check / show', () => {
  for (const pack of PACKS) {
    test(`policy check ${pack}: exit 0 and the effective policy, which checks again to the same`, T, async (t) => {
      const file = path.join(PACKS_DIR, pack);
      const r = run(['policy', 'check', file]);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stderr, '', show(r));
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], `# effective policy from ${file}`, show(r));
      // Defaults applied: every section and setting is stated.
      for (const want of [/^version: 1$/m, /^mode: (enforce|audit)$/m, /^deny_reply: (result|error)$/m,
        /^tools:\n {2}default: (allow|deny)$/m, /^resources:$/m, /^prompts:$/m, /^client_requests:$/m,
        /^ {2}roots: (allow|deny)$/m, /^responses:$/m, /^audit:\n {2}arguments: (hash|redacted|full)$/m])
        assert.match(r.stdout, want, show(r));
      // Every rule is shown with its id.
      const src = fs.readFileSync(file, 'utf8');
      const denyCount = (src.match(/deny: \[([^\]]*)\]/s)?.[1].match(/"[^"]*"/g) ?? []).length;
      for (let i = 0; i < denyCount; i++) assert.ok(r.stdout.includes(`# tools.deny[${i}]`), `tools.deny[${i}] missing\n${show(r)}`);
      // The output is itself a valid policy meaning the same.
      const again = writePolicy(t, r.stdout, 'effective.yaml');
      const r2 = run(['policy', 'check', again]);
      assert.equal(r2.status, 0, show(r2));
      assert.equal(r2.stdout.split('\n').slice(1).join('\n'), lines.slice(1).join('\n'));
    });
  }

  test('policy check of a bad file: exit 2, nothing on stdout, FILE:LINE:COL on stderr', T, async (t) => {
    const typo = path.join(FIXTURES, 'policy-typo.yaml');
    let r = run(['policy', 'check', typo]);
    assert.equal(r.status, 2, show(r));
    assert.equal(r.stdout, '', show(r));
    assert.equal(r.stderr, `assay-gateway: error: invalid policy: ${typo}:6:1: unknown key 'toools' in the policy (did you mean 'tools'?)\n`);

    const cases = [
      ['version: 1\nmode: fast\n', ':2:7: mode must be enforce or audit, not \'fast\''],
      ['mode: enforce\n', ':1:1: missing \'version: 1\''],
      ['', ':1:1: missing \'version: 1\''],
      ['version: 2\n', ':1:10: unsupported policy version \'2\''],
      ['version: 1\ntools:\n  rate_limits:\n    per_minute: {echo: 0}\n', ':4:24: a per-minute limit of 0'],
      ['version: 1\nresponses:\n  max_bytes: 12Q\n', ':3:14: responses.max_bytes must be a size'],
      ['version: 1\ntools: &a {}\n', ':2:8: anchors (&a) are not allowed'],
      ['version: 1\nversion: 1\n', ':2:1: duplicate key \'version\''],
      ['version: 1\n---\nversion: 1\n', ':2:1: only one YAML document is allowed'],
      ['version: 1\ntools: [a\n', /^:\d+:\d+: invalid YAML: /],
    ];
    for (const [yaml, want] of cases) {
      const file = writePolicy(t, yaml);
      r = run(['policy', 'check', file]);
      assert.equal(r.status, 2, `${JSON.stringify(yaml)}\n${show(r)}`);
      assert.equal(r.stdout, '', show(r));
      const prefix = `assay-gateway: error: invalid policy: ${file}:`;
      assert.ok(r.stderr.startsWith(prefix), show(r));
      assert.match(r.stderr.slice(prefix.length - 1), /^:\d+:\d+: \S/, show(r));
      if (typeof want === 'string')
        assert.ok(r.stderr.includes(`${file}${want}`), `${JSON.stringify(yaml)}: want '${want}'\n${show(r)}`);
      else
        assert.match(r.stderr.slice(prefix.length - 1), want, `${JSON.stringify(yaml)}\n${show(r)}`);
    }

    // Files that cannot be read as a policy.
    const dir = tmpDir(t);
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, 'version: 1\n' + '#'.repeat(1024 * 1024) + '\n');
    for (const [file, want] of [[path.join(dir, 'missing.yaml'), /No such file/], [dir, /not a regular file/], [big, /larger than 1048576 bytes/]]) {
      r = run(['policy', 'check', file]);
      assert.equal(r.status, 2, show(r));
      assert.equal(r.stdout, '', show(r));
      assert.match(r.stderr, want, show(r));
      assert.ok(r.stderr.includes(file), show(r));
    }
  });

  test('policy show --default prints the built-in policy: policies/default.yaml', T, async () => {
    const r = run(['policy', 'show', '--default'], { env: envWith({ ASSAY_POLICY: path.join(PACKS_DIR, 'strict.yaml') }) });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, fs.readFileSync(path.join(PACKS_DIR, 'default.yaml'), 'utf8'));
  });

  test('policy show prints the policy a run would use: ASSAY_POLICY, else the built-in one', T, async (t) => {
    const strict = path.join(PACKS_DIR, 'strict.yaml');
    let r = run(['policy', 'show'], { env: envWith({ ASSAY_POLICY: strict }) });
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, run(['policy', 'check', strict]).stdout);
    assert.match(r.stdout, /^ {2}default: deny$/m);

    r = run(['policy', 'show']);
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /^# effective policy from <built-in default>\n/);
    assert.match(r.stdout, /^tools:\n {2}default: allow\n {2}deny: \[\]\n {2}allow: \[\]$/m);

    const bad = writePolicy(t, 'version: 1\ntoools: {}\n');
    r = run(['policy', 'show'], { env: envWith({ ASSAY_POLICY: bad }) });
    assert.equal(r.status, 2, show(r));
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${bad}:2:1: unknown key 'toools'`), show(r));
  });

  test('policy with bad arguments prints its usage and exits 2', T, async () => {
    for (const args of [['policy'], ['policy', 'check'], ['policy', 'frob'], ['policy', 'show', '--all'],
      ['policy', 'check', 'a.yaml', 'b.yaml']]) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${show(r)}`);
      assert.equal(r.stdout, '', show(r));
      assert.match(r.stderr, /Usage: assay-gateway policy check FILE/, show(r));
    }
  });
});

// ---------------------------------------------------------------------------

describe('where the policy comes from', () => {
  /** Start the demo server with an audit log; returns {gw, audit}. */
  async function session(t, opts, env, cwd) {
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit, ...opts]), { env, cwd });
    await gw.initialize();
    const start = (await waitForAudit(audit, (r) => r.event === 'session_start')).find((r) => r.event === 'session_start');
    return { gw, audit, start };
  }

  test('--policy beats ASSAY_POLICY, which beats the built-in policy', T, async (t) => {
    const fromEnv = writePolicy(t, 'version: 1\ntools:\n  deny: [echo]\n', 'env.yaml');
    const fromFlag = writePolicy(t, 'version: 1\ntools:\n  deny: [notes_list]\n', 'flag.yaml');

    // Both: the --policy file wins.
    {
      const { gw, start } = await session(t, ['--policy', fromFlag], envWith({ ASSAY_POLICY: fromEnv }));
      assert.equal(start.policy, fromFlag);
      assert.equal(resultText(await gw.call(1, 'echo', { text: 'hi' })), 'hi');
      assertDeniedResult(await gw.call(2, 'notes_list'), 2, 'tools.deny[0]');
      assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    }
    // ASSAY_POLICY only.
    {
      const { gw, start } = await session(t, [], envWith({ ASSAY_POLICY: fromEnv }));
      assert.equal(start.policy, fromEnv);
      assertDeniedResult(await gw.call(1, 'echo', { text: 'hi' }), 1, 'tools.deny[0]');
      assertNotDenied(await gw.call(2, 'notes_list'), 'notes_list');
      assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    }
    // Neither: the built-in default allows everything.
    {
      const { gw, start } = await session(t, [], envWith());
      assert.equal(start.policy, '<built-in default>');
      assert.equal(start.mode, 'enforce');
      assert.equal(resultText(await gw.call(1, 'echo', { text: 'hi' })), 'hi');
      const list = await gw.request({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      assert.ok(list.result.tools.some((x) => x.name === 'write_file'));
      assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    }
  });

  test('a policy that does not load stops the run with exit 2 before the server starts, without fallback', T, async (t) => {
    // The markers go where the server may write under good.yaml (a fallback
    // to it would leave one); the audit logs where it may not.
    const markers = tmpDir(t);
    const good = writePolicy(t, 'version: 1\n' + sandboxYaml({ write: [markers], execute: [DEMO_SERVER] }), 'good.yaml');
    const typo = path.join(FIXTURES, 'policy-typo.yaml');
    const dir = tmpDir(t);
    const cases = [
      ['bad --policy, good ASSAY_POLICY', ['--policy', typo], { ASSAY_POLICY: good }, `${typo}:6:1: unknown key 'toools' in the policy (did you mean 'tools'?)`],
      ['bad ASSAY_POLICY', [], { ASSAY_POLICY: typo }, `${typo}:6:1: unknown key 'toools'`],
      ['missing --policy file', ['--policy', path.join(dir, 'nope.yaml')], { ASSAY_POLICY: good }, 'nope.yaml'],
      ['missing ASSAY_POLICY file', [], { ASSAY_POLICY: path.join(dir, 'nope.yaml') }, 'nope.yaml'],
      ['--policy is a directory', ['--policy', dir], {}, 'not a regular file'],
    ];
    for (const [what, opts, env, want] of cases) {
      const marker = path.join(markers, `ran-${what.replace(/\W+/g, '-')}`);
      const audit = path.join(dir, `audit-${what.replace(/\W+/g, '-')}.jsonl`);
      const gw = startGateway(t, markedDemoArgs(['--audit', audit, ...opts], marker), { env: envWith(env) });
      gw.end(); // should it start the server anyway, let the session end
      const exit = await gw.waitExit();
      assert.deepEqual(exit, { code: 2, signal: null }, `${what}\n${gw.describe()}`);
      assert.equal(gw.lines.length, 0, `${what}: the gateway wrote to stdout\n${gw.describe()}`);
      assert.ok(gw.stderr.includes(want), `${what}: stderr lacks ${want}\n${gw.describe()}`);
      assert.match(gw.stderr, /^assay-gateway: error: /m, gw.describe());
      assert.equal(fs.existsSync(marker), false, `${what}: the server was started`);
      assert.ok(!gw.stderr.includes(STARTED), `${what}: the server was started\n${gw.describe()}`);
      // Never a silent fallback: no session record of any policy.
      assert.equal(readAudit(audit).filter((r) => r.event === 'session_start').length, 0, what);
    }
  });

  test('a policy file in the working directory is not picked up', T, async (t) => {
    const cwd = tmpDir(t);
    // Anything a loader might look for; a valid one that denies all, and an
    // invalid one that would stop the run if it were read.
    const denyAll = 'version: 1\ntools:\n  default: deny\n';
    for (const name of ['policy.yaml', 'assay-policy.yaml', '.assay-policy.yaml', 'assay-gateway.yaml', '.assay-gateway.yaml', 'assay.yaml'])
      fs.writeFileSync(path.join(cwd, name), denyAll);
    fs.mkdirSync(path.join(cwd, '.assay'));
    fs.writeFileSync(path.join(cwd, '.assay', 'policy.yaml'), 'version: 1\ntoools: {}\n');
    for (const d of ['.assay-gateway', 'assay-gateway', path.join('.config', 'assay-gateway')]) {
      fs.mkdirSync(path.join(cwd, d), { recursive: true });
      fs.writeFileSync(path.join(cwd, d, 'policy.yaml'), denyAll);
    }
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--audit', audit]), { cwd, env: envWith({ HOME: cwd, XDG_CONFIG_HOME: cwd }) });
    await gw.initialize();
    assert.equal(resultText(await gw.call(1, 'echo', { text: 'still allowed' })), 'still allowed');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    const start = readAudit(audit).find((r) => r.event === 'session_start');
    assert.equal(start.policy, '<built-in default>');
    assert.equal(start.cwd, fs.realpathSync(cwd));
  });
});

// ---------------------------------------------------------------------------

/**
 * server-filesystem with the whole temporary directory as its root, and a
 * policy (filesystem-readonly.yaml plus fixtures/policy-fs-rules.yaml) that
 * confines read_text_file to <root>/allowed.  ~ is <root>/allowed, unless
 * opts.homeOutside (for the tests that must create files: see below).
 */
function fsSetup(t, edit = (policyText) => policyText, opts = {}) {
  const root = fs.realpathSync(tmpDir(t, 'assay-pol-fs-'));
  const allowed = path.join(root, 'allowed');
  fs.mkdirSync(allowed);
  fs.writeFileSync(path.join(allowed, 'ok.txt'), 'allowed content\n');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'TOP-SECRET-4f1d\n');
  fs.symlinkSync('../secret.txt', path.join(allowed, 'link.txt'));
  fs.symlinkSync('..', path.join(allowed, 'updir'));
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(allowed, 'abs-link.txt'));
  // A symlink whose name has a precomposed "é" (NFC): server-filesystem maps
  // a missing name to a Unicode-equivalent existing one.
  fs.symlinkSync('../secret.txt', path.join(allowed, 'link\u00e9.txt'));
  fs.mkdirSync(path.join(root, 'allowed-evil'));
  fs.writeFileSync(path.join(root, 'allowed-evil', 'x.txt'), 'TOP-SECRET-sibling\n');

  const pack = fs.readFileSync(path.join(PACKS_DIR, 'filesystem-readonly.yaml'), 'utf8');
  // The rules are appended under `tools`, which must be the pack's last section.
  const topKeys = [...pack.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]);
  assert.equal(topKeys.at(-1), 'tools', `filesystem-readonly.yaml no longer ends with tools: ${topKeys}`);
  const rules = fs.readFileSync(path.join(FIXTURES, 'policy-fs-rules.yaml'), 'utf8');
  // The sandbox (which grants neither by default: root is above $HOME,
  // allowed/ is $HOME) lets the server read all of its root, so that only
  // the gateway's rules confine reads to allowed/, and write in allowed/.
  // The server's script is in node_modules, outside the working directory.
  // With ~ in the root, the sandbox's own denials (~/.ssh and the like, even
  // when missing) keep the root and allowed/ from being listed or getting
  // new entries, whatever the grant; server-filesystem lists every
  // directory from its root down before it creates a file, so it can create
  // none: the tests that need it to put ~ elsewhere (opts.homeOutside).
  const sandbox = sandboxYaml({ read: [root, NODE_MODULES], write: [allowed] });
  const policy = path.join(tmpDir(t, 'assay-pol-'), 'fs-confined.yaml');
  fs.writeFileSync(policy, edit(pack.replace(/\n*$/, '\n') + rules.replace(/\n*$/, '\n') + sandbox));
  // The gateway (and so the server) runs in root; ~ is root/allowed.  The
  // gateway's state (pins, audit key) is out of the server's reach.
  const home = opts.homeOutside ? fs.realpathSync(tmpDir(t, 'assay-pol-home-')) : allowed;
  const env = envWith({ HOME: home, XDG_STATE_HOME: tmpDir(t, 'assay-pol-state-') });
  return { root, allowed, policy, env, sandbox };
}

const SECRET = /TOP-SECRET/;

describe('server-filesystem with a wider root than the policy allows', () => {
  test('policy check accepts the combined policy and names the rule', T, async (t) => {
    const { policy, root } = fsSetup(t);
    const r = run(['policy', 'check', policy], { cwd: root });
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /fs-confined/, show(r));
    assert.match(r.stdout, /fs-confined-many/, show(r));
  });

  test('write tools are hidden and denied; reads are confined to allowed/ whatever the spelling', T, async (t) => {
    const { root, allowed, policy, env } = fsSetup(t);
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const { client } = await connect(t, { ...gated(['--policy', policy, '--audit', audit], FILESYSTEM, [root]), cwd: root, env });

    const names = (await client.listTools()).tools.map((x) => x.name);
    for (const hidden of ['write_file', 'edit_file', 'create_directory', 'move_file'])
      assert.ok(!names.includes(hidden), `${hidden} is listed: ${names}`);
    assert.ok(names.includes('read_text_file'), `read_text_file missing: ${names}`);

    const w = await client.callTool({ name: 'write_file', arguments: { path: path.join(allowed, 'new.txt'), content: 'x' } });
    assert.equal(w.isError, true, JSON.stringify(w));
    assert.match(text(w), /^assay-gateway denied the call to tool 'write_file'.*\(rule tools\.default\)$/);
    assert.equal(fs.existsSync(path.join(allowed, 'new.txt')), false);

    // Inside allowed/: the server answers.
    for (const p of [path.join(allowed, 'ok.txt'), `${allowed}//ok.txt`, `${allowed}/./ok.txt`,
      `${root}/allowed/../allowed/ok.txt`, '~/ok.txt']) {
      const r = await client.callTool({ name: 'read_text_file', arguments: { path: p } });
      assert.notEqual(r.isError, true, `${p}: ${JSON.stringify(r)}`);
      assert.equal(text(r), 'allowed content\n', `${p}: ${JSON.stringify(r)}`);
    }

    // Outside allowed/, however written: the gateway refuses (its rule id
    // in the text shows it was not the server refusing).
    const outside = [
      // Relative paths are refused whatever they name: servers resolve them
      // against different directories (docs/policy.md).
      'allowed/ok.txt',
      './allowed/ok.txt',
      '../secret.txt',
      'allowed/../secret.txt',
      `${allowed}/../secret.txt`,
      `${root}//allowed/..//secret.txt`,
      `${allowed}/./../secret.txt`,
      `${root}/secret.txt`,
      '~/../secret.txt',
      '~/link.txt',
      `file://${root}/secret.txt`,
      `file://${allowed}/../secret.txt`,
      `file://localhost${root}/secret.txt`,
      path.join(allowed, 'link.txt'),
      path.join(allowed, 'abs-link.txt'),
      path.join(allowed, 'updir', 'secret.txt'),
      'allowed/updir/secret.txt',
      path.join(root, 'allowed-evil', 'x.txt'),
      `${allowed}-evil/x.txt`,
      `${allowed}/link\u00e9.txt`,
      allowed + '/../allowed-evil/x.txt',
      '/etc/passwd',
    ];
    for (const p of outside) {
      const r = await client.callTool({ name: 'read_text_file', arguments: { path: p } });
      assert.equal(r.isError, true, `${p} was read: ${JSON.stringify(r)}`);
      assert.doesNotMatch(text(r), SECRET, `${p}: the secret leaked`);
      assert.match(text(r), /^assay-gateway denied the call to tool 'read_text_file'/, `${p}: not refused by the gateway: ${text(r)}`);
      assert.ok(text(r).includes('fs-confined'), `${p}: the rule id is missing: ${text(r)}`);
    }
    // required: true: a call without the argument is denied too.
    const none = await client.callTool({ name: 'read_text_file', arguments: {} });
    assert.equal(none.isError, true);
    assert.ok(text(none).includes('fs-confined'), text(none));

    // A list argument: every element is checked.
    const many = await client.callTool({ name: 'read_multiple_files', arguments: { paths: [path.join(allowed, 'ok.txt'), 'allowed/../secret.txt'] } });
    assert.equal(many.isError, true, JSON.stringify(many));
    assert.doesNotMatch(text(many), SECRET);
    assert.ok(text(many).includes('fs-confined-many'), text(many));
    const manyOk = await client.callTool({ name: 'read_multiple_files', arguments: { paths: [path.join(allowed, 'ok.txt')] } });
    assert.match(text(manyOk), /allowed content/, JSON.stringify(manyOk));

    await client.close();
    const recs = await waitForAudit(audit, (r) => r.event === 'exit');
    const denied = recs.filter((r) => r.event === 'request' && r.tool === 'read_text_file' && r.decision === 'deny');
    assert.equal(denied.length, outside.length + 1, JSON.stringify(denied.map((r) => r.rule)));
    for (const r of denied) assert.equal(r.rule, 'fs-confined', JSON.stringify(r));
    // No denied call reached the server: none has a response record.
    const deniedIds = new Set(recs.filter((r) => r.event === 'request' && r.decision === 'deny').map((r) => JSON.stringify(r.id)));
    for (const r of recs.filter((x) => x.event === 'response' && x.dir === 'server_to_client'))
      assert.ok(!deniedIds.has(JSON.stringify(r.id)), `a denied request was answered by the server: ${JSON.stringify(r)}`);
    assert.doesNotMatch(fs.readFileSync(audit, 'utf8'), SECRET);
  });

  test('a Unicode-equivalent spelling of a symlink inside allowed/ does not escape it', T, async (t) => {
    // allowed/link\u00e9.txt (NFC) -> ../secret.txt.  The decomposed (NFD)
    // spelling names no file, but server-filesystem maps it to the NFC entry.
    const { root, allowed, policy, env } = fsSetup(t);
    const { client } = await connect(t, { ...gated(['--policy', policy], FILESYSTEM, [root]), cwd: root, env });
    // A directory symlink with an accented name, reached through its NFD spelling.
    fs.symlinkSync('..', path.join(allowed, 'updir\u00e9'));
    for (const p of [`${allowed}/link\u00e9.txt`, `${allowed}/linke\u0301.txt`, 'allowed/linke\u0301.txt', `file://${allowed}/linke%CC%81.txt`,
      `${allowed}/updire\u0301/secret.txt`, `~/updire\u0301/secret.txt`, `file://${allowed}/updire%CC%81/secret.txt`]) {
      const r = await client.callTool({ name: 'read_text_file', arguments: { path: p } });
      assert.doesNotMatch(text(r), SECRET, `${JSON.stringify(p)}: the secret leaked through the symlink`);
      assert.equal(r.isError, true, `${JSON.stringify(p)}: ${JSON.stringify(r)}`);
      assert.ok(text(r).includes('rule fs-confined'), `${JSON.stringify(p)}: not refused by the gateway: ${text(r)}`);
    }
  });

  test('relative paths: a server that resolves them against its own root does not escape ${CWD}', T, async (t) => {
    // The gateway runs in allowed/ and confines reads to ${CWD}; the server's
    // root is the parent, and server-filesystem resolves a relative path
    // against its root, not its working directory.
    const { root, allowed, env, sandbox } = fsSetup(t);
    const policy = writePolicy(t, 'version: 1\ntools:\n  default: deny\n  allow: [read_text_file]\n  rules:\n' +
      '    - id: cwd-only\n      tool: read_text_file\n      args:\n        path: {under: ["${CWD}"], required: true}\n' + sandbox);
    const gw = startGateway(t, ['--policy', policy, '--', process.execPath, FILESYSTEM, root], { cwd: allowed, env });
    await gw.initialize();
    assertDeniedResult(await gw.call(1, 'read_text_file', { path: '../secret.txt' }), 1, 'cwd-only', '../secret.txt');
    // Every relative path is refused (docs/policy.md), even one naming a
    // file in the working directory.
    for (const [id, p] of [[2, 'secret.txt'], [3, './secret.txt'], [4, 'allowed-evil/x.txt'], [5, 'ok.txt'], [6, '.']]) {
      const r = await gw.call(id, 'read_text_file', { path: p });
      assert.doesNotMatch(resultText(r) ?? JSON.stringify(r), SECRET, `${p}: a relative path read a file outside \${CWD}: ${JSON.stringify(r)}`);
      assertDeniedResult(r, id, 'cwd-only', p);
      assert.match(resultText(r), /relative path/, p);
    }
    // Absolute paths work as before.
    assert.equal(resultText(await gw.call(7, 'read_text_file', { path: `${allowed}/ok.txt` })), 'allowed content\n');
    await gw.finish();
  });

  test('batches hiding denied calls (raw pipes), ids 0 and string ids', T, async (t) => {
    const { root, allowed, policy, env } = fsSetup(t);
    const gw = startGateway(t, ['--policy', policy, '--drain-timeout', '1s', '--', process.execPath, FILESYSTEM, root], { cwd: root, env });
    await gw.initialize();

    // Single calls with unusual ids.
    assertDeniedResult(await gw.call(0, 'read_text_file', { path: 'allowed/../secret.txt' }), 0, 'fs-confined', 'id 0');
    assertDeniedResult(await gw.call('', 'read_text_file', { path: '~/link.txt' }), '', 'fs-confined', 'empty string id');
    assertDeniedResult(await gw.call('call-7', 'write_file', { path: 'allowed/x', content: 'y' }), 'call-7', 'tools.default', 'string id');
    assertDeniedResult(await gw.call(-1.5, 'read_text_file', { path: `${root}/secret.txt` }), -1.5, 'fs-confined', 'negative fractional id');
    const ok = await gw.call('0', 'read_text_file', { path: `${allowed}/ok.txt` });
    assert.equal(resultText(ok), 'allowed content\n', JSON.stringify(ok));

    // A batch of denied calls only: answered by the gateway as one batch.
    await gw.send([
      callReq(0, 'read_text_file', { path: `${allowed}/../secret.txt` }),
      callReq('b-1', 'write_file', { path: `${allowed}/w.txt`, content: 'y' }),
      callReq('b-2', 'read_text_file', { path: `${allowed}/link.txt` }),
      callReq('b-3', 'read_multiple_files', { paths: [`${allowed}/ok.txt`, `${root}/secret.txt`] }),
    ]);
    const reply = await gw.waitFor((m) => Array.isArray(m) && m.some((e) => e?.id === 'b-1'), 'the batch answer');
    assert.equal(reply.length, 4, JSON.stringify(reply));
    const byId = (id) => reply.find((e) => JSON.stringify(e.id) === JSON.stringify(id));
    assertDeniedResult(byId(0), 0, 'fs-confined', 'batch id 0');
    assertDeniedResult(byId('b-1'), 'b-1', 'tools.default', 'batch write_file');
    assertDeniedResult(byId('b-2'), 'b-2', 'fs-confined', 'batch symlink');
    assertDeniedResult(byId('b-3'), 'b-3', 'fs-confined-many', 'batch list');

    // A batch mixing an allowed call and a denied one: the denied one is
    // answered by the gateway.
    await gw.send([
      callReq('m-1', 'read_text_file', { path: `${allowed}/ok.txt` }),
      callReq('m-2', 'read_text_file', { path: `file://${root}/secret.txt` }),
    ]);
    assertDeniedResult(await anyResponse(gw, 'm-2'), 'm-2', 'fs-confined', 'mixed batch');

    await gw.finish();
    assert.equal(fs.existsSync(`${allowed}/w.txt`), false);
    for (const line of gw.lines) assert.doesNotMatch(line, SECRET, 'the secret reached the client');
  });

  const auditMode = (text) => {
    assert.match(text, /^mode: enforce$/m);
    return text.replace(/^mode: enforce$/m, 'mode: audit');
  };
  for (const [how, opts, edit] of [['--dry-run', ['--dry-run'], undefined], ['mode: audit', [], auditMode]]) {
    test(`${how}: the denied calls go through; the gateway exits 4 after the server exits 0`, T, async (t) => {
      // (No ~ spelling here: ~ is put outside the root, so that the
      // forwarded write_file can create its file.)
      const { root, allowed, policy, env } = fsSetup(t, edit, { homeOutside: true });
      const audit = path.join(tmpDir(t), 'audit.jsonl');
      const gw = startGateway(t, ['--policy', policy, '--audit', audit, ...opts, '--', process.execPath, FILESYSTEM, root], { cwd: root, env });
      await gw.initialize();
      // Nothing is hidden in audit mode.
      const list = await gw.request({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
      assert.ok(list.result.tools.some((x) => x.name === 'write_file'), JSON.stringify(list).slice(0, 300));
      const r1 = await gw.call(1, 'read_text_file', { path: 'allowed/../secret.txt' });
      assert.match(resultText(r1) ?? '', SECRET, `the call was not forwarded: ${JSON.stringify(r1)}`);
      const r2 = await gw.call(2, 'write_file', { path: `${allowed}/dry.txt`, content: 'written' });
      assert.notEqual(r2.result?.isError, true, JSON.stringify(r2));
      assert.equal(fs.readFileSync(`${allowed}/dry.txt`, 'utf8'), 'written');
      const r3 = await gw.call(3, 'read_text_file', { path: `${allowed}/ok.txt` });
      assert.equal(resultText(r3), 'allowed content\n');

      assert.deepEqual(await gw.finish(), { code: 4, signal: null }, gw.describe());
      assert.match(gw.stderr, /would deny/, gw.describe());
      const recs = readAudit(audit);
      const start = recs.find((r) => r.event === 'session_start');
      assert.equal(start.mode, 'audit');
      const reqs = recs.filter((r) => r.event === 'request' && r.method === 'tools/call');
      assert.deepEqual(reqs.map((r) => [r.id, r.decision, r.rule]), [
        [1, 'would_deny', 'fs-confined'],
        [2, 'would_deny', 'tools.default'],
        [3, 'allow', reqs[2]?.rule],
      ]);
      const exit = recs.at(-1);
      assert.equal(exit.event, 'exit');
      assert.equal(exit.exit_code, 4);
      assert.equal(exit.decided_by, 'gateway');
      assert.equal(exit.server_status, 0);
      assert.equal(exit.counts.would_deny, 2);
      assert.equal(exit.counts.denied, 0);
    });
  }
});

// ---------------------------------------------------------------------------

describe('policy sections with the demo server', () => {
  test('--dry-run with a tool-name rule: forwarded, exit 4; a failing server keeps its status', T, async (t) => {
    // The server may write in dir; the audit logs are elsewhere.
    const dir = tmpDir(t);
    const logs = tmpDir(t);
    const policy = writePolicy(t, 'version: 1\ntools:\n  deny: [write_file]\n' + sandboxYaml({ write: [dir] }));
    const audit = path.join(logs, 'audit.jsonl');
    let gw = startGateway(t, demoArgs(['--policy', policy, '--dry-run', '--audit', audit]), { env: envWith() });
    await gw.initialize();
    const target = path.join(dir, 'written');
    const r = await gw.call(1, 'write_file', { path: target, text: 'dry' });
    assert.notEqual(r.result?.isError, true, JSON.stringify(r));
    assert.equal(fs.readFileSync(target, 'utf8'), 'dry');
    assert.deepEqual(await gw.finish(), { code: 4, signal: null }, gw.describe());
    let recs = readAudit(audit);
    assert.equal(recs.find((x) => x.method === 'tools/call').decision, 'would_deny');
    assert.equal(recs.find((x) => x.method === 'tools/call').rule, 'tools.deny[0]');
    assert.equal(recs.at(-1).decided_by, 'gateway');
    assert.equal(recs.at(-1).exit_code, 4);

    // Nothing would have been denied: the server's 0.
    gw = startGateway(t, demoArgs(['--policy', policy, '--dry-run']), { env: envWith() });
    await gw.initialize();
    await gw.call(1, 'echo', { text: 'x' });
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });

    // The server fails: its status, with the would-be denial counted.
    const audit2 = path.join(logs, 'audit2.jsonl');
    gw = startGateway(t, demoArgs(['--policy', policy, '--dry-run', '--audit', audit2]), { env: envWith() });
    await gw.initialize();
    await gw.call(1, 'write_file', { path: target, text: 'again' });
    await gw.send(callReq(2, 'exit', { code: 3 }));
    assert.deepEqual(await gw.waitExit(), { code: 3, signal: null }, gw.describe());
    recs = readAudit(audit2);
    assert.equal(recs.at(-1).exit_code, 3);
    assert.equal(recs.at(-1).decided_by, 'server');
    assert.equal(recs.at(-1).counts.would_deny, 1);
  });

  test('rate_limits.per_minute: the third call to echo is denied; other tools keep their budget', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\ntools:\n  rate_limits:\n    per_minute: {echo: 2}\n');
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith() });
    await gw.initialize();
    assert.equal(resultText(await gw.call(1, 'echo', { text: 'a' })), 'a');
    assert.equal(resultText(await gw.call(2, 'echo', { text: 'b' })), 'b');
    const third = await gw.call(3, 'echo', { text: 'c' });
    assertDeniedResult(third, 3, 'tools.rate_limits.per_minute[0]');
    assert.match(resultText(third), /at most 2 calls a minute to tools matching 'echo'/);
    // Not rate-limited: another tool.
    for (let i = 0; i < 4; i++) assertNotDenied(await gw.call(10 + i, 'env'), `env call ${i}`);
    assertDeniedResult(await gw.call(4, 'echo', { text: 'd' }), 4, 'tools.rate_limits.per_minute[0]');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    const deny = readAudit(audit).filter((r) => r.event === 'request' && r.decision === 'deny');
    assert.deepEqual(deny.map((r) => [r.id, r.tool, r.rule]), [[3, 'echo', 'tools.rate_limits.per_minute[0]'], [4, 'echo', 'tools.rate_limits.per_minute[0]']]);
  });

  test('rate_limits.per_minute with a glob: each matching tool has its own budget, refilled over time', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\ndeny_reply: error\ntools:\n  rate_limits:\n    per_minute: {"notes_*": 1, "*": 60}\n');
    const gw = startGateway(t, demoArgs(['--policy', policy]), { env: envWith() });
    await gw.initialize();
    // notes_* : one call each, per tool name.
    assertNotDenied(await gw.call(1, 'notes_list'), 'notes_list');
    assertDeniedError(await gw.call(2, 'notes_list'), 2, 'tools.rate_limits.per_minute[0]');
    assertNotDenied(await gw.call(3, 'notes_read', { name: 'none' }), 'notes_read');

    // "*": 60 a minute, a burst of 60; sent in one go.
    const burst = [];
    for (let i = 0; i < 61; i++) burst.push(JSON.stringify(callReq(100 + i, 'echo', { text: `e${i}` })));
    await gw.write(burst.join('\n') + '\n');
    const answers = [];
    for (let i = 0; i < 61; i++) answers.push(await gw.response(100 + i));
    const deniedIds = answers.filter((r) => r.error?.code === DENIED).map((r) => r.id);
    assert.deepEqual(deniedIds, [160], `a burst of 61 calls at 60/min: ${JSON.stringify(deniedIds)}`);
    assertDeniedError(answers[60], 160, 'tools.rate_limits.per_minute[1]');
    // One token a second comes back.
    await sleep(1500);
    assert.equal(resultText(await gw.call(200, 'echo', { text: 'refilled' })), 'refilled');
    // A tool only "*" matches has its own bucket of 60.
    assert.equal((await gw.call(201, 'env')).error, undefined);
    await gw.finish();
  });

  test('rate_limits.session_total: at most N tool calls in the session', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\ntools:\n  rate_limits:\n    session_total: 3\n');
    const gw = startGateway(t, demoArgs(['--policy', policy]), { env: envWith() });
    await gw.initialize();
    assert.equal(resultText(await gw.call(1, 'echo', { text: 'a' })), 'a');
    assertNotDenied(await gw.call(2, 'env'), 'env');
    assertNotDenied(await gw.call(3, 'notes_list'), 'notes_list');
    const fourth = await gw.call(4, 'echo', { text: 'b' });
    assertDeniedResult(fourth, 4, 'tools.rate_limits.session_total');
    assert.match(resultText(fourth), /session limit of 3 tool calls/);
    assertDeniedResult(await gw.call(5, 'env'), 5, 'tools.rate_limits.session_total');
    // Other requests are not tool calls.
    const ping = await gw.request({ jsonrpc: '2.0', id: 6, method: 'ping' });
    assert.deepEqual(ping.result, {});
    await gw.finish();
  });

  test('resources/read and prompts/get denied with -32050 (even with deny_reply: result), never reaching the server', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\ndeny_reply: result\nresources:\n  default: deny\n  allow: ["file:///public/*"]\n' +
      'prompts:\n  deny: ["secret_*"]\n');
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith() });
    await gw.initialize();
    const req = (id, method, params) => gw.request({ jsonrpc: '2.0', id, method, params });

    const r1 = await req(1, 'resources/read', { uri: 'file:///etc/passwd' });
    assertDeniedError(r1, 1, 'resources.default');
    assert.match(r1.error.message, /reading resource 'file:\/\/\/etc\/passwd'/);
    const r2 = await req('p', 'prompts/get', { name: 'secret_plan' });
    assertDeniedError(r2, 'p', 'prompts.deny[0]');
    // Allowed ones reach the demo server, which has no such methods.
    assert.equal((await req(3, 'resources/read', { uri: 'file:///public/readme' })).error?.code, -32601);
    assert.equal((await req(4, 'prompts/get', { name: 'hello' })).error?.code, -32601);
    // With rules in force, the name must be there.
    assert.equal((await req(5, 'resources/read', {})).error?.code, -32602);
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });

    const recs = readAudit(audit);
    const reqOf = (id) => recs.find((r) => r.event === 'request' && JSON.stringify(r.id) === JSON.stringify(id));
    assert.equal(reqOf(1).decision, 'deny');
    assert.equal(reqOf(1).rule, 'resources.default');
    assert.equal(reqOf(1).uri, 'file:///etc/passwd');
    assert.equal(reqOf('p').decision, 'deny');
    assert.equal(reqOf('p').rule, 'prompts.deny[0]');
    assert.equal(reqOf(3).decision, 'allow');
    // Only the forwarded requests have a response from the server.
    const responded = recs.filter((r) => r.event === 'response').map((r) => JSON.stringify(r.id));
    assert.ok(responded.includes('3') && responded.includes('4'), JSON.stringify(responded));
    assert.ok(!responded.includes('1') && !responded.includes('"p"'), `a denied request reached the server: ${responded}`);
    assert.equal(recs.at(-1).counts.denied, 2);
  });

  test('client_requests.roots: deny answers the server with -32050; the client never sees roots/list', T, async (t) => {
    // Without the rule, the client is asked.
    {
      const gw = startGateway(t, demoArgs(), { env: envWith() });
      await gw.initialize({ roots: {} });
      await gw.send(callReq(1, 'roots'));
      const ask = await gw.waitFor((m) => m?.method === 'roots/list', 'roots/list');
      await gw.send({ jsonrpc: '2.0', id: ask.id, result: { roots: [{ uri: 'file:///srv/r1' }] } });
      assert.equal(resultText(await gw.response(1)), 'file:///srv/r1');
      await gw.finish();
    }
    const policy = writePolicy(t, 'version: 1\nclient_requests:\n  roots: deny\n');
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith() });
    await gw.initialize({ roots: {} });
    const r = await gw.call(1, 'roots');
    assert.equal(r.result?.isError, true, JSON.stringify(r));
    assert.match(resultText(r), /error -32050: assay-gateway denied the server's roots\/list request \(rule client_requests\.roots\)/);
    assert.ok(!gw.messages.some((m) => m?.method === 'roots/list'), 'roots/list reached the client');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    const rec = readAudit(audit).find((x) => x.event === 'request' && x.method === 'roots/list');
    assert.equal(rec.dir, 'server_to_client');
    assert.equal(rec.decision, 'deny');
    assert.equal(rec.rule, 'client_requests.roots');
  });

  test('responses.max_bytes withholds a larger result: isError for a tool call, -32052 otherwise', T, async (t) => {
    // (pins off: see the next test for max_bytes with pins)
    const policy = writePolicy(t, 'version: 1\nresponses:\n  max_bytes: 1K\npins:\n  on_change: off\n');
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith() });
    await gw.initialize();
    // The size of the demo server's answer to big: this id, N bytes of 'x'.
    const size = (id, n) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${'x'.repeat(n)}"}]}}`.length;
    const fit = 1024 - size(1, 0);
    const r1 = await gw.call(1, 'big', { bytes: fit });
    assert.equal(resultText(r1), 'x'.repeat(fit), 'a result of exactly max_bytes is passed');
    const r2 = await gw.call(2, 'big', { bytes: fit + 1 });
    assert.equal(r2.result?.isError, true, JSON.stringify(r2).slice(0, 300));
    assert.match(resultText(r2), /^assay-gateway withheld the server's result: 1025 bytes is more than responses\.max_bytes \(1024 bytes\)$/);
    const r3 = await gw.call(3, 'big', { bytes: 100_000 });
    assert.equal(r3.result?.isError, true);
    const list = await gw.request({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
    assert.equal(list.error?.code, -32052, JSON.stringify(list).slice(0, 300));
    assert.equal(resultText(await gw.call(5, 'echo', { text: 'small' })), 'small');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });
    const withheld = readAudit(audit).filter((r) => r.event === 'response' && r.outcome === 'gateway_error');
    assert.deepEqual(withheld.map((r) => r.id), [2, 3, 4]);
    for (const r of withheld) assert.equal(r.reason, 'responses.max_bytes');
  });

  test('responses.max_bytes does not apply to the gateway\'s own tools/list (pins on, the default)', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\nresponses:\n  max_bytes: 1K\n');
    const gw = startGateway(t, demoArgs(['--policy', policy]), { env: envWith({ XDG_STATE_HOME: tmpDir(t) }) });
    await gw.initialize();
    const started = Date.now();
    const r = await gw.call(1, 'echo', { text: 'small result' });
    assert.equal(resultText(r), 'small result', JSON.stringify(r));
    assert.ok(Date.now() - started < 5000, `the call took ${Date.now() - started} ms`);
    // The client only ever sees answers to its own ids.
    for (const m of allResponses(gw)) assert.doesNotMatch(String(m.id), /^assay-gateway:/, `an internal answer reached the client: ${JSON.stringify(m)}`);
    // The client's own tools/list is over the limit: -32052.
    assert.equal((await gw.request({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).error?.code, -32052);
    await gw.finish();
  });

  test('--deny-tool and --allow-tool add to the policy file; --deny-reply replaces deny_reply', T, async (t) => {
    const policy = writePolicy(t, 'version: 1\ndeny_reply: result\ntools:\n  deny: [write_file]\n');
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    let gw = startGateway(t, demoArgs(['--policy', policy, '--deny-tool', 'notes_*', '--audit', audit]), { env: envWith() });
    await gw.initialize();
    const names = (await gw.request({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).result.tools.map((x) => x.name);
    assert.ok(!names.includes('write_file') && !names.some((n) => n.startsWith('notes_')), `${names}`);
    assert.ok(names.includes('echo'));
    assertDeniedResult(await gw.call(2, 'write_file', { path: '/nonexistent/x', text: 'y' }), 2, 'tools.deny[0]');
    const n = await gw.call(3, 'notes_write', { name: 'x', text: 'y' });
    assertDeniedResult(n, 3, 'cli.deny_tool[0]');
    assert.match(resultText(n), /--deny-tool 'notes_\*'/);
    assert.equal(resultText(await gw.call(4, 'echo', { text: 'ok' })), 'ok');
    await gw.finish();
    const start = readAudit(audit).find((r) => r.event === 'session_start');
    assert.deepEqual(start.tool_rules, [
      { id: 'tools.deny[0]', action: 'deny', glob: 'write_file' },
      { id: 'cli.deny_tool[0]', action: 'deny', glob: 'notes_*' },
    ]);

    gw = startGateway(t, demoArgs(['--policy', policy, '--allow-tool', 'echo', '--allow-tool', 'write_file', '--deny-reply', 'error']), { env: envWith() });
    await gw.initialize();
    assert.equal(resultText(await gw.call(1, 'echo', { text: 'ok' })), 'ok');
    assertDeniedError(await gw.call(2, 'env'), 2, 'cli.allow_tool.unmatched');
    // The file's deny still wins over a command-line allow.
    assertDeniedError(await gw.call(3, 'write_file', { path: '/nonexistent/x', text: 'y' }), 3, 'tools.deny[0]');
    await gw.finish();
  });
});

// ---------------------------------------------------------------------------

describe('tools.rules with the demo server', () => {
  const RULES = `version: 1
tools:
  rules:
    - id: no-secrets
      tool: "*"
      args:
        any: {secrets: deny}
    - tool: echo
      args:
        text: {max_length: 12, not_regex: "^rm ", required: true}
    - id: notes-names
      tool: "notes_*"
      args:
        name: {enum: [todo, done], regex: "^[a-z]+$"}
`;
  const KEY = 'AKIAZ7Q3XK2M9PLR4TWB'; // shaped like an AWS access key id

  test('each condition denies with the rule id (tools.rules[N] without an id); secrets are never repeated', T, async (t) => {
    const policy = writePolicy(t, RULES);
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith() });
    await gw.initialize();
    const s1 = await gw.call(1, 'echo', { text: `key ${KEY}` });
    assertDeniedResult(s1, 1, 'no-secrets');
    assert.ok(!resultText(s1).includes(KEY), `the deny text repeats the secret: ${resultText(s1)}`);
    // Nested anywhere, in any tool.
    assertDeniedResult(await gw.call(2, 'notes_write', { name: 'todo', text: 'x', extra: { deep: [`${KEY}`] } }), 2, 'no-secrets');

    const long = await gw.call(3, 'echo', { text: '0123456789abc' });
    assertDeniedResult(long, 3, 'tools.rules[1]');
    assert.match(resultText(long), /'text'.*'0123456789abc'/, 'the deny text quotes the value');
    assertDeniedResult(await gw.call(4, 'echo', { text: 5 }), 4, 'tools.rules[1]');
    assertDeniedResult(await gw.call(5, 'echo', {}), 5, 'tools.rules[1]');
    assertDeniedResult(await gw.call(6, 'echo', { text: 'rm -rf /' }), 6, 'tools.rules[1]');
    assert.equal(resultText(await gw.call(7, 'echo', { text: '0123456789ab' })), '0123456789ab', 'exactly max_length passes');
    assertDeniedResult(await gw.call(8, 'notes_read', { name: 'secret' }), 8, 'notes-names');
    assertNotDenied(await gw.call(9, 'notes_read', { name: 'todo' }), 'notes_read todo');
    // A path that finds nothing passes (no required).
    assertNotDenied(await gw.call(10, 'notes_list', {}), 'notes_list');
    assert.deepEqual(await gw.finish(), { code: 0, signal: null });

    const raw = fs.readFileSync(audit, 'utf8');
    assert.ok(!raw.includes(KEY), 'the secret is in the audit log');
    const deny = readAudit(audit).filter((r) => r.event === 'request' && r.decision === 'deny');
    assert.deepEqual(deny.map((r) => [r.id, r.rule]), [[1, 'no-secrets'], [2, 'no-secrets'], [3, 'tools.rules[1]'], [4, 'tools.rules[1]'],
      [5, 'tools.rules[1]'], [6, 'tools.rules[1]'], [8, 'notes-names']]);
  });

  test('under / not_under with a server that opens paths as the kernel does (demo read_file)', T, async (t) => {
    const home = fs.realpathSync(tmpDir(t, 'assay-pol-home-'));
    const allowed = path.join(home, 'allowed');
    fs.mkdirSync(path.join(home, '.ssh', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'TOP-SECRET ssh key\n');
    fs.mkdirSync(path.join(home, 'deep', 'dir'), { recursive: true });
    fs.writeFileSync(path.join(home, 'deep', 'secret.txt'), 'TOP-SECRET deep\n');
    fs.mkdirSync(allowed);
    fs.writeFileSync(path.join(allowed, 'ok.txt'), 'allowed content\n');
    fs.writeFileSync(path.join(allowed, 'id_rsa'), 'not a key\n');
    // allowed/sub -> deep/dir: "allowed/sub/../secret.txt" is allowed/secret.txt
    // lexically, deep/secret.txt for the kernel.
    fs.symlinkSync(path.join(home, 'deep', 'dir'), path.join(allowed, 'sub'));
    // allowed/inner -> .ssh/deeper: "allowed/inner/../id_rsa" is allowed/id_rsa
    // lexically, .ssh/id_rsa for the kernel.
    fs.symlinkSync(path.join(home, '.ssh', 'deeper'), path.join(allowed, 'inner'));
    fs.symlinkSync(path.join(home, '.ssh'), path.join(allowed, 'sshlink'));
    // The sandbox lets the demo server read ~/allowed (the working
    // directory is $HOME: not readable by default); the rule is what keeps
    // its reads there, symlinks and all.
    const policy = writePolicy(t, `version: 1
tools:
  rules:
    - id: read-confined
      tool: read_file
      args:
        path: {under: ["\${HOME}/allowed"], not_under: ["\${HOME}/.ssh"], required: true}
sandbox:
  filesystem:
    read: ["\${HOME}/allowed"]
`);
    const gw = startGateway(t, demoArgs(['--policy', policy]), { cwd: home, env: envWith({ HOME: home }) });
    await gw.initialize();
    let id = 0;
    for (const p of [`${allowed}/ok.txt`, `${allowed}/id_rsa`, `${allowed}/sub/../../allowed/ok.txt`])
      assert.match(resultText(await gw.call(++id, 'read_file', { path: p })), /allowed content|not a key/, p);
    // Spellings the demo server does not read itself, but that name allowed files.
    for (const p of ['~/allowed/ok.txt', `file://${allowed}/ok.txt`, `file://localhost${allowed}/ok.txt`])
      assertNotDenied(await gw.call(++id, 'read_file', { path: p }), p);
    for (const p of [`${allowed}/sub/../secret.txt`, `${allowed}/inner/../id_rsa`, `${allowed}/sshlink/id_rsa`, `${home}/.ssh/id_rsa`,
      '~/.ssh/id_rsa', `${allowed}/../.ssh/id_rsa`, `file://${home}/.ssh/id_rsa`, `file://${home}/%2essh/id_rsa`, 'allowed/ok.txt',
      `file://${home}%2F.ssh/id_rsa`, `file://evil.example${home}/allowed/ok.txt`, '~root/.ssh/id_rsa', `${allowed}/ok.txt\u0000`]) {
      const r = await gw.call(++id, 'read_file', { path: p });
      assert.doesNotMatch(resultText(r) ?? '', /TOP-SECRET/, `${JSON.stringify(p)} was read`);
      assertDeniedResult(r, id, 'read-confined', JSON.stringify(p));
    }
    await gw.finish();
  });

  test('--dry-run: argument rules would deny, and forward', T, async (t) => {
    const policy = writePolicy(t, RULES);
    const gw = startGateway(t, demoArgs(['--policy', policy, '--dry-run']), { env: envWith() });
    await gw.initialize();
    assert.equal(resultText(await gw.call(1, 'echo', { text: '0123456789abcdef' })), '0123456789abcdef');
    assert.deepEqual(await gw.finish(), { code: 4, signal: null });
    assert.match(gw.stderr, /would deny tools\/call 'echo' \(rule tools\.rules\[1\]\)/);
  });
});

// ---------------------------------------------------------------------------

describe('audit.arguments', () => {
  /** One session: echo, then a denied write_file with nested arguments. */
  async function session(t, mode, state, extra = {}) {
    const policy = writePolicy(t, `version: 1\ntools:\n  deny: [write_file]\naudit:\n  arguments: ${mode}\n`);
    const audit = path.join(tmpDir(t), 'audit.jsonl');
    const gw = startGateway(t, demoArgs(['--policy', policy, '--audit', audit]), { env: envWith({ XDG_STATE_HOME: state, ...extra }) });
    await gw.initialize();
    await gw.call(1, 'echo', { text: 's3cret-value' });
    await gw.call(2, 'write_file', { text: 'hidden-text', path: '/nonexistent/x', opts: { list: [1, true, null, 'deep-secret'] } });
    assert.deepEqual(await gw.finish(), { code: 0, signal: null }, gw.describe());
    const recs = readAudit(audit);
    const args = (id) => recs.find((r) => r.event === 'request' && r.id === id)?.arguments;
    return { recs, echo: args(1), write: args(2), raw: fs.readFileSync(audit, 'utf8') };
  }

  test('hash: "hmac-sha256:" + 64 hex, keyed with a 0600 key file that is reused across runs', T, async (t) => {
    const state = tmpDir(t);
    const a = await session(t, 'hash', state);
    assert.match(a.echo, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.match(a.write, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.notEqual(a.echo, a.write);
    for (const s of ['s3cret-value', 'hidden-text', 'deep-secret']) assert.ok(!a.raw.includes(s), `${s} is in the audit log`);

    const keyFile = path.join(state, 'assay-gateway', 'audit.key');
    const st = fs.statSync(keyFile);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.size, 32);
    assert.equal(fs.statSync(path.dirname(keyFile)).mode & 0o077, 0, 'the key directory is open to others');
    const key = fs.readFileSync(keyFile);
    // The documented construction: HMAC-SHA256 of the canonical (sorted, compact) JSON.
    const hmac = (v) => 'hmac-sha256:' + crypto.createHmac('sha256', key).update(v).digest('hex');
    assert.equal(a.echo, hmac('{"text":"s3cret-value"}'));
    assert.equal(a.write, hmac('{"opts":{"list":[1,true,null,"deep-secret"]},"path":"/nonexistent/x","text":"hidden-text"}'));
    assert.notEqual(a.echo, 'hmac-sha256:' + crypto.createHash('sha256').update('{"text":"s3cret-value"}').digest('hex'));

    // Same install, same arguments: same hashes; the key is not replaced.
    const b = await session(t, 'hash', state);
    assert.equal(b.echo, a.echo);
    assert.equal(b.write, a.write);
    assert.deepEqual(fs.readFileSync(keyFile), key);
    assert.equal(fs.statSync(keyFile).ino, st.ino);
    // Another install (another key): other hashes.
    const c = await session(t, 'hash', tmpDir(t));
    assert.notEqual(c.echo, a.echo);
  });

  test('hash: a key that cannot be created stops the gateway before the server starts', T, async (t) => {
    const dir = tmpDir(t);
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, 'x');
    // The server (sh, then the demo server it runs) may write its marker in
    // |markers|, nowhere near the audit logs in |dir|.
    const markers = tmpDir(t);
    const grant = sandboxYaml({ write: [markers], execute: [DEMO_SERVER] });
    // (pins off: the pin store lives there too, and would fail first)
    const policy = writePolicy(t, 'version: 1\naudit:\n  arguments: hash\npins:\n  on_change: off\n' + grant);
    const marker = path.join(markers, 'ran');
    const gw = startGateway(t, markedDemoArgs(['--policy', policy, '--audit', path.join(dir, 'a.jsonl')], marker),
      { env: envWith({ XDG_STATE_HOME: notADir }) });
    assert.deepEqual(await gw.waitExit(), { code: 2, signal: null }, gw.describe());
    assert.match(gw.stderr, /audit key/, gw.describe());
    assert.equal(fs.existsSync(marker), false, 'the server was started');
    assert.ok(!gw.stderr.includes(STARTED), `the server was started\n${gw.describe()}`);
    // A key of the wrong size is not used either.
    const state = tmpDir(t);
    fs.mkdirSync(path.join(state, 'assay-gateway'));
    fs.writeFileSync(path.join(state, 'assay-gateway', 'audit.key'), 'short', { mode: 0o600 });
    const gw2 = startGateway(t, markedDemoArgs(['--policy', policy, '--audit', path.join(dir, 'b.jsonl')], marker),
      { env: envWith({ XDG_STATE_HOME: state }) });
    assert.deepEqual(await gw2.waitExit(), { code: 2, signal: null }, gw2.describe());
    assert.equal(fs.existsSync(marker), false, 'the server was started');
    assert.ok(!gw2.stderr.includes(STARTED), `the server was started\n${gw2.describe()}`);
    // full needs no key.
    const full = writePolicy(t, 'version: 1\naudit:\n  arguments: full\npins:\n  on_change: off\n' + grant);
    const gw3 = startGateway(t, markedDemoArgs(['--policy', full, '--audit', path.join(dir, 'c.jsonl')], marker),
      { env: envWith({ XDG_STATE_HOME: notADir }) });
    await gw3.initialize();
    assert.deepEqual(await gw3.finish(), { code: 0, signal: null });
    assert.equal(fs.existsSync(marker), true);
  });

  test('redacted: the shape, every value replaced by its type', T, async (t) => {
    const r = await session(t, 'redacted', tmpDir(t));
    assert.deepEqual(r.echo, { text: '<string>' });
    assert.deepEqual(r.write, { text: '<string>', path: '<string>', opts: { list: ['<number>', '<boolean>', '<null>', '<string>'] } });
    for (const s of ['s3cret-value', 'hidden-text', 'deep-secret']) assert.ok(!r.raw.includes(s), `${s} is in the audit log`);
  });

  test('full: the arguments as sent', T, async (t) => {
    const r = await session(t, 'full', tmpDir(t));
    assert.deepEqual(r.echo, { text: 's3cret-value' });
    assert.deepEqual(r.write, { text: 'hidden-text', path: '/nonexistent/x', opts: { list: [1, true, null, 'deep-secret'] } });
  });
});

// McpError is what the SDK throws for a JSON-RPC error (deny_reply: error).
describe('deny_reply: error through the SDK client', () => {
  test('ci.yaml: a denied call is a -32050 McpError', T, async (t) => {
    const { root, env, sandbox } = fsSetup(t);
    // ci.yaml and the sandbox grants of fsSetup.
    const ci = fs.readFileSync(path.join(PACKS_DIR, 'ci.yaml'), 'utf8');
    const policy = writePolicy(t, ci.replace(/\n*$/, '\n') + sandbox, 'ci.yaml');
    const { client } = await connect(t, { ...gated(['--policy', policy], FILESYSTEM, [root]), cwd: root, env });
    await assert.rejects(client.callTool({ name: 'remove_everything', arguments: {} }), (e) => {
      assert.ok(e instanceof McpError, String(e));
      assert.equal(e.code, DENIED);
      assert.match(e.message, /rule tools\.deny\[1\]/);
      return true;
    });
    assert.match(text(await client.callTool({ name: 'list_allowed_directories', arguments: {} })), new RegExp(root));
  });
});
