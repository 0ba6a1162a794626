// Policy files that widen the server's sandbox, as a user would write them.
//
// The gateway runs every server in a sandbox: system directories, the
// working directory (read only, and not when it is / or $HOME or above),
// a private TMPDIR and nothing else.  The temporary directories a test
// makes under os.tmpdir() are none of these, so a test whose server reads
// or writes one grants it in the policy, exactly as a user running
// server-filesystem on a directory grants that directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { INTEGRATION_DIR } from './env.mjs';
import { tmpDir } from './tmp.mjs';

const REPO = path.resolve(INTEGRATION_DIR, '..', '..');

/** Remove the top-level |key| section of a policy's YAML text, with the comments just above it. */
function withoutSection(text, key) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${key}:`));
  if (start < 0) return text;
  let end = start + 1;
  while (end < lines.length && !/^[A-Za-z_]/.test(lines[end])) end++;
  let from = start;
  while (from > 0 && lines[from - 1].startsWith('#')) from--;
  return [...lines.slice(0, from), ...lines.slice(end)].join('\n');
}

/**
 * The built-in policy (policies/default.yaml, what `assay-gateway policy
 * show --default` prints) without its sandbox section: the tool, response
 * and audit settings of a run without --policy.  (Its sandbox grants, such
 * as ~/.npm for npx, are for servers the tests do not run.)
 */
export const DEFAULT_POLICY = withoutSection(
  fs.readFileSync(path.join(REPO, 'policies', 'default.yaml'), 'utf8'), 'sandbox');
assert.match(DEFAULT_POLICY, /^version: 1$/m, 'policies/default.yaml has no version: 1');

/**
 * The tests' node_modules: the npm servers' scripts and their dependencies.
 * The sandbox lets the server read them only when the gateway runs in this
 * directory; a test that runs it elsewhere grants them.
 */
export const NODE_MODULES = path.join(INTEGRATION_DIR, 'node_modules');

const GRANTS = ['read', 'write', 'execute', 'deny'];

/**
 * A top-level `sandbox:` section (YAML text ending in a newline) with
 * sandbox.filesystem lists from |grants| ({read, write, execute, deny}:
 * arrays of absolute paths, ${HOME} and the like allowed) and, if given,
 * grants.network (YAML text of the value, such as 'open').
 */
export function sandboxYaml(grants) {
  for (const k of Object.keys(grants))
    assert.ok(GRANTS.includes(k) || k === 'network', `sandboxYaml: unknown grant '${k}'`);
  const list = (xs) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const fsLines = GRANTS.filter((k) => grants[k]?.length).map((k) => `    ${k}: ${list(grants[k])}\n`);
  assert.ok(fsLines.length || grants.network, 'sandboxYaml: nothing granted');
  return 'sandbox:\n' +
    (fsLines.length ? '  filesystem:\n' + fsLines.join('') : '') +
    (grants.network ? `  network: ${grants.network}\n` : '');
}

/**
 * Write a policy file: |base| (the YAML text of a policy without a sandbox
 * section; default: the built-in policy's other sections, so that the run
 * behaves as one without --policy but for the sandbox) followed by
 * sandboxYaml(|grants|).  It lives in a temporary directory of its own,
 * which no grant covers: the server cannot change its own policy.  Returns
 * its path; removed after test |t|.
 */
export function sandboxPolicy(t, grants, base = DEFAULT_POLICY) {
  assert.doesNotMatch(base, /^sandbox:/m, 'sandboxPolicy: the base policy already has a sandbox section');
  const dir = tmpDir(t, 'assay-sbx-pol-');
  for (const w of grants.write ?? [])
    assert.ok(!(dir + '/').startsWith(w.replace(/\/*$/, '/')), `sandboxPolicy: the grant ${w} would let the server write its policy`);
  const file = path.join(dir, 'policy.yaml');
  fs.writeFileSync(file, base.replace(/\n*$/, '\n') + sandboxYaml(grants));
  return file;
}
