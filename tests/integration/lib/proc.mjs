// Looking at processes through /proc.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Is |pid| a live process (present in /proc and not a zombie)? */
export function isAlive(pid) {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Wait until |pid| is gone; true if it went within |timeout| ms. */
export async function waitGone(pid, timeout = 5000) {
  const end = Date.now() + timeout;
  while (isAlive(pid)) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}

/** A field of /proc/<pid>/status in kB (e.g. VmHWM), or null. */
export function statusKb(pid, field) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : null;
}

/** The command line of |pid| as an array, or null. */
export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}
