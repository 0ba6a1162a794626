// The official MCP SDK client, connected to a server directly or through
// the gateway.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

import { GATEWAY, testState } from './env.mjs';

/** Spawn parameters for a node server script run directly. */
export function direct(bin, args = []) {
  return { command: process.execPath, args: [bin, ...args] };
}

/**
 * Spawn parameters for the same server behind the gateway, with the
 * environment an editor gives (the SDK's default) and the tests' state
 * directory.
 */
export function gated(gatewayOpts, bin, args = []) {
  return {
    command: GATEWAY,
    args: [...gatewayOpts, '--', process.execPath, bin, ...args],
    env: { ...getDefaultEnvironment(), XDG_STATE_HOME: testState() },
  };
}

/**
 * Connect an SDK client to |spawnParams|; closed when test |t| ends.
 * opts.roots: declare the roots capability and answer roots/list with it.
 * Returns {client, transport, stderr(), rootsRequests()}.
 */
export async function connect(t, spawnParams, opts = {}) {
  const capabilities = opts.roots ? { roots: { listChanged: true } } : {};
  const client = new Client({ name: 'assay-integration', version: '0.0.0' }, { capabilities });
  let rootsRequests = 0;
  if (opts.roots) {
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      rootsRequests++;
      return { roots: opts.roots };
    });
  }
  const transport = new StdioClientTransport({ ...spawnParams, stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  t.after(() => client.close());
  try {
    await client.connect(transport);
  } catch (e) {
    e.message += `\nstderr of ${spawnParams.command}:\n${stderr}`;
    throw e;
  }
  return { client, transport, stderr: () => stderr, rootsRequests: () => rootsRequests };
}
