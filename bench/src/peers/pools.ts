// The peers, set up the way their documentation suggests, on the same number
// of threads as Threadline's pool, kept warm (no idle timeout).
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import { peerFile } from '../engine.js';

export const TASKS = peerFile('tasks');

export function openPiscina(threads: number): Piscina {
  return new Piscina({ filename: TASKS, minThreads: threads, maxThreads: threads, idleTimeout: 2 ** 30 });
}

export function openTinypool(threads: number): Tinypool {
  return new Tinypool({ filename: TASKS, minThreads: threads, maxThreads: threads, idleTimeout: 2 ** 30 });
}

/** Runs `n` tiny tasks at once and waits for them all: how each peer's README submits work. */
export async function submitAll(run: (n: number) => Promise<unknown>, n: number): Promise<void> {
  const pending: Promise<unknown>[] = new Array(n);
  for (let i = 0; i < n; i++) pending[i] = run(i);
  await Promise.all(pending);
}
