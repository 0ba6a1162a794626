// A gateway process driven over raw pipes: newline-delimited JSON in, every
// stdout line parsed, stderr kept for failure messages.
import { spawn } from 'node:child_process';

import { DEMO_SERVER, GATEWAY, testState } from './env.mjs';

/**
 * The environment for a gateway: ours, without a policy file from the
 * user's environment (the tests set every rule on the command line), with
 * a state directory of the tests' own (testState).
 */
export function baseEnv(extra = {}) {
  const env = { ...process.env, XDG_STATE_HOME: testState(), ...extra };
  delete env.ASSAY_POLICY;
  return env;
}

/** Default wait for a message or an exit: generous, for sanitizer builds. */
export const WAIT_MS = 30_000;

const sameId = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A JSON-RPC response (has an id, no method). */
export const isResponse = (m) =>
  m !== null && typeof m === 'object' && !Array.isArray(m) && 'id' in m && !('method' in m);

export class Gateway {
  /**
   * Spawn the gateway with |args|.  opts.stdin: 'pipe' (default), a file
   * descriptor, or 'ignore'; opts.env, opts.cwd as for spawn.
   */
  constructor(args, opts = {}) {
    this.args = args;
    this.lines = []; // every stdout line, raw
    this.messages = []; // the stdout lines that parse as JSON
    this.nonJson = []; // the stdout lines that do not
    this.stderr = '';
    this.waiters = new Set();
    this.exit = null; // {code, signal} once closed
    const stdin = opts.stdin ?? 'pipe';
    this.proc = spawn(opts.command ?? GATEWAY, args, {
      stdio: [stdin, 'pipe', 'pipe'],
      env: opts.env ?? baseEnv(),
      cwd: opts.cwd,
    });
    this.pid = this.proc.pid;
    this.spawnError = null;
    this.proc.on('error', (e) => { this.spawnError = e; });
    if (this.proc.stdin) this.proc.stdin.on('error', () => {}); // EPIPE after exit: seen via exit
    // Chunks of a line are kept apart until its newline arrives, so that
    // a line of many MiB costs linear time.
    let pending = [];
    this.proc.stdout.on('data', (chunk) => {
      let start = 0;
      let nl;
      while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
        pending.push(chunk.subarray(start, nl));
        this.#line(Buffer.concat(pending).toString('utf8'));
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    });
    this.proc.stdout.on('end', () => {
      if (pending.length) this.#line(Buffer.concat(pending).toString('utf8'), true);
      pending = [];
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.closed = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => {
        this.exit = { code, signal };
        for (const w of this.waiters) w.onClose();
        resolve(this.exit);
      });
    });
  }

  #line(line, unterminated = false) {
    this.lines.push(unterminated ? line + '<no newline>' : line);
    // Every message must end with a newline: an unterminated last line
    // counts as a bad line (and is still parsed, for clearer failures).
    if (unterminated) this.nonJson.push(line + '<no newline>');
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      this.nonJson.push(line);
      return;
    }
    this.messages.push(msg);
    for (const w of this.waiters) {
      if (w.pred(msg)) w.resolve(msg);
    }
  }

  /** Recent output, for assertion messages. */
  describe() {
    const tail = (s, n) => (s.length > n ? '...' + s.slice(-n) : s);
    const out = this.lines.slice(-8).map((l) => tail(l, 400)).join('\n');
    return `gateway ${JSON.stringify(this.args)}\n--- last stdout lines ---\n${out}\n` +
      `--- stderr ---\n${tail(this.stderr, 3000)}\n--- exit: ${JSON.stringify(this.exit)}`;
  }

  /** Write raw text or bytes (no newline added); resolves once written. */
  async write(data) {
    try {
      await new Promise((resolve, reject) => {
        this.proc.stdin.write(data, (err) => (err ? reject(err) : resolve()));
      });
    } catch (e) {
      await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
      throw new Error(`writing to the gateway failed (${e.message})\n${this.describe()}`);
    }
  }

  /** Send one message: an object (serialised) or a raw line (string). */
  send(msg) {
    return this.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
  }

  /** Close the gateway's stdin (client EOF). */
  end() {
    this.proc.stdin.end();
  }

  /**
   * The first message for which |pred| holds, among those seen from index
   * |from| on and those to come.
   */
  waitFor(pred, what = 'a matching message', timeout = WAIT_MS, from = 0) {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (m) => { cleanup(); resolve(m); },
        onClose: () => {
          // Let queued stdout lines through first.
          setImmediate(() => {
            const m = this.messages.slice(from).find(pred);
            cleanup();
            if (m) resolve(m);
            else reject(new Error(`gateway exited before ${what}\n${this.describe()}`));
          });
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}\n${this.describe()}`));
      }, timeout);
      const cleanup = () => { clearTimeout(timer); this.waiters.delete(w); };
      this.waiters.add(w);
      if (this.exit) w.onClose();
    });
  }

  /** The response with this id. */
  response(id, timeout) {
    return this.waitFor((m) => isResponse(m) && sameId(m.id, id), `the response to id ${JSON.stringify(id)}`, timeout);
  }

  /**
   * Send one raw line and wait for the next message the gateway writes
   * (for lines whose answer has no usable id).
   */
  async exchange(line, timeout) {
    const from = this.messages.length;
    await this.send(line);
    return this.waitFor(() => true, `an answer to ${JSON.stringify(String(line).slice(0, 200))}`, timeout, from);
  }

  /** Send a request and wait for its response. */
  async request(msg, timeout) {
    await this.send(msg);
    return this.response(msg.id, timeout);
  }

  /** tools/call |name| with |args| as request |id|; resolves to the response. */
  call(id, name, args = {}, extraParams = {}) {
    return this.request({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...extraParams } });
  }

  /** The MCP handshake: initialize, then notifications/initialized. */
  async initialize(capabilities = {}) {
    const r = await this.request({
      jsonrpc: '2.0', id: 'init', method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'assay-it', version: '0' } },
    });
    if (!r.result) throw new Error(`initialize failed: ${JSON.stringify(r)}\n${this.describe()}`);
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return r.result;
  }

  /** Wait for the gateway to exit (all of its output read): {code, signal}. */
  async waitExit(timeout = WAIT_MS) {
    let timer;
    const t = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gateway still running after ${timeout} ms\n${this.describe()}`)), timeout);
    });
    try {
      return await Promise.race([this.closed, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** End stdin and wait for the exit. */
  async finish(timeout) {
    if (this.proc.stdin && !this.proc.stdin.writableEnded) this.end();
    return this.waitExit(timeout);
  }

  kill(sig = 'SIGTERM') {
    return this.proc.kill(sig);
  }

  /** Kill it if it still runs (test teardown). */
  async dispose() {
    if (!this.exit) {
      this.proc.kill('SIGKILL');
      await this.closed;
    }
  }
}

/** Start a gateway that is killed when test |t| ends. */
export function startGateway(t, args, opts) {
  const gw = new Gateway(args, opts);
  t.after(() => gw.dispose());
  return gw;
}

/** Poll until |pred()| holds (every 25 ms, at most |timeout| ms). */
export async function until(pred, what, timeout = WAIT_MS) {
  const end = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Gateway arguments for the demo server: [...gatewayOpts, '--', DEMO, ...demoOpts]. */
export function demoArgs(gatewayOpts = [], demoOpts = []) {
  return [...gatewayOpts, '--', DEMO_SERVER, ...demoOpts];
}

/** The text of a tool result's first content item. */
export function resultText(resp) {
  return resp?.result?.content?.[0]?.text;
}
