// Paths of the binaries under test and of the npm-installed MCP servers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const INTEGRATION_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(INTEGRATION_DIR, '..', '..');
const BUILD = process.env.ASSAY_BUILD_DIR || path.join(REPO, 'build');

/** Absolute path of the gateway binary (ASSAY_GATEWAY, else build/assay-gateway). */
export const GATEWAY = process.env.ASSAY_GATEWAY || path.join(BUILD, 'assay-gateway');
/** Absolute path of the demo server binary (ASSAY_DEMO_SERVER, else build/assay-demo-server). */
export const DEMO_SERVER = process.env.ASSAY_DEMO_SERVER || path.join(BUILD, 'assay-demo-server');

for (const [name, p] of [['ASSAY_GATEWAY', GATEWAY], ['ASSAY_DEMO_SERVER', DEMO_SERVER]]) {
  if (!fs.existsSync(p))
    throw new Error(`${name}: ${p} does not exist; build the project or set ${name}`);
}

let stateDir = null;
/**
 * $XDG_STATE_HOME for every gateway the tests start (pins, audit key): a
 * directory of this test process, removed when it exits.  Never the user's
 * own: a test run there would add a server identity to their pin store for
 * every temporary path it passes a server.
 */
export function testState() {
  if (!stateDir) {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-it-state-'));
    process.on('exit', () => fs.rmSync(stateDir, { recursive: true, force: true }));
  }
  return stateDir;
}

/**
 * The script a package's "bin" names, resolved from its package.json in
 * node_modules (run it with process.execPath: no npx, no network).
 */
export function serverBin(pkg, binName) {
  const dir = path.join(INTEGRATION_DIR, 'node_modules', ...pkg.split('/'));
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest))
    throw new Error(`${pkg} is not installed: run 'npm ci' in ${INTEGRATION_DIR}`);
  const { bin } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  let rel;
  if (typeof bin === 'string') rel = bin;
  else if (bin && binName) rel = bin[binName];
  else if (bin) rel = Object.values(bin)[0];
  if (!rel) throw new Error(`${pkg} has no "bin" entry`);
  return path.join(dir, rel);
}
