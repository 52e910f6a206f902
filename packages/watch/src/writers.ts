// Is a file still open for writing by some process? A writer that pauses for
// longer than the stability window (a copy over a slow link, a program that
// writes a header, computes, then writes the rest) leaves a file whose size
// and mtime look settled while it is half written. On Linux /proc says who
// holds it: /proc/<pid>/fd/<n> links to the open file, /proc/<pid>/fdinfo/<n>
// has its open flags. Elsewhere (no /proc) the stability window is all there is.
//
// One scan reads every process's fd table: a readdir per process and a
// readlink per fd, the fdinfo only for an fd that is one of the files asked
// about. Synchronous calls in slices of 256 with a turn of the event loop
// between: /proc answers from memory. Measured at load average ~19 on 2
// shared cores: 28 ms a scan for ~670 fds, 122 ms for ~5,700 (~21 µs an fd);
// the same scan through libuv's thread pool (fs/promises) took 86 ms for
// ~1,300 and 1.97 s for ~6,000, holding the pool the watcher's renames and
// fsyncs share. It runs only for files that are otherwise stable; the files asked about
// while a scan is due share it (a burst of 200 files costs a few scans, not
// 200); and a file found held is looked at again in its writer's fds alone
// until that one lets go. Processes of other users are seen only by root.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';

const PROC = '/proc';
const O_ACCMODE = 0o3;
const O_WRONLY = 0o1;
const O_RDWR = 0o2;
/** Calls between two turns of the event loop: ~256 readlinks of /proc are a few ms. */
const SLICE = 256;

export interface WriterScanOptions {
  /** Processes not to count (the watcher itself, which holds none of the files it waits for). */
  ignorePid?: number;
  proc?: string;
}

/** Each path held open for writing, with the pid of one process holding it. */
type Writers = Map<string, number>;

interface Waiting {
  paths: Set<string>;
  answer: Promise<Writers>;
  resolve: (writers: Writers) => void;
}

function waiting(): Waiting {
  let resolve: (writers: Writers) => void = () => undefined;
  const answer = new Promise<Writers>((r) => {
    resolve = r;
  });
  return { paths: new Set(), answer, resolve };
}

export class WriterScan {
  private readonly proc: string;
  private available: Promise<boolean> | undefined;
  private next: Waiting | undefined;
  private running = false;

  constructor(private readonly options: WriterScanOptions = {}) {
    this.proc = options.proc ?? PROC;
  }

  /** False where there is no /proc to read (not Linux): every file then counts as closed. */
  supported(): Promise<boolean> {
    this.available ??= stat(`${this.proc}/self/fd`).then(
      () => true,
      () => false,
    );
    return this.available;
  }

  /**
   * The pid of a process that has `path` (absolute, symlinks resolved, as the kernel names it)
   * open for writing, or undefined. Calls made while a scan is due share it.
   */
  async writerOf(path: string, last?: number): Promise<number | undefined> {
    if (!(await this.supported())) return undefined;
    // The writer found last time most often still holds it: its own fds are a scan of one process.
    if (
      last !== undefined &&
      (await writersAmong(new Set([path]), this.proc, this.options.ignorePid, [last])).has(path)
    )
      return last;
    if (!this.next) {
      this.next = waiting();
      if (!this.running) setImmediate(() => void this.run());
    }
    const next = this.next;
    next.paths.add(path);
    return (await next.answer).get(path);
  }

  private async run(): Promise<void> {
    const waiting = this.next;
    if (!waiting) return;
    this.next = undefined;
    this.running = true;
    try {
      waiting.resolve(await writersAmong(waiting.paths, this.proc, this.options.ignorePid));
    } finally {
      this.running = false;
      // Asked while this scan ran (it may have read a process before the file was opened): a new one.
      if (this.next) setImmediate(() => void this.run());
    }
  }
}

/** Which of `paths` some process (but `ignorePid`) has open with O_WRONLY or O_RDWR, and which. */
export async function writersAmong(
  paths: ReadonlySet<string>,
  proc = PROC,
  ignorePid?: number,
  only?: number[],
): Promise<Writers> {
  const found: Writers = new Map();
  const pids = (only?.map(String) ?? safe(() => readdirSync(proc), [])).filter(
    (name) => /^\d+$/.test(name) && Number(name) !== ignorePid,
  );
  let calls = 0;
  for (const pid of pids) {
    // Gone since the readdir, or another user's (EACCES): nothing to learn from it.
    const fds = safe(() => readdirSync(`${proc}/${pid}/fd`), []);
    for (const fd of fds) {
      // A slice at a time, then the event loop: the watcher's own work (and an embedded engine's) goes on.
      if (++calls % SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const target = safe(() => readlinkSync(`${proc}/${pid}/fd/${fd}`), undefined);
      if (target === undefined || !paths.has(target) || found.has(target)) continue;
      const info = safe(() => readFileSync(`${proc}/${pid}/fdinfo/${fd}`, 'utf8'), '');
      const flags = /^flags:\s*([0-7]+)/m.exec(info);
      if (!flags) continue;
      const mode = Number.parseInt(flags[1]!, 8) & O_ACCMODE;
      if (mode === O_WRONLY || mode === O_RDWR) found.set(target, Number(pid));
    }
  }
  return found;
}

function safe<T, U>(read: () => T, otherwise: U): T | U {
  try {
    return read();
  } catch {
    return otherwise;
  }
}
