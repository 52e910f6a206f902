// Noticing names in the watched folder: `fs.watch` on that one folder for
// prompt events, plus a periodic rescan for what events miss (network shares,
// a watch that could not be set up, an event queue that overflowed).
//
// Not chokidar: its fs handler sets up one fs.watch per file in the folder
// (an inotify watch each: thousands of waiting photos exhaust
// max_user_watches) and, on every event about the folder, re-reads it and
// lstat()s every entry. With 1,500 files waiting that was ~3,000 lstats a
// second, filling libuv's thread pool ahead of our renames and fsyncs and the
// engine's I/O: throughput halved (scripts/backlog.mjs). No option turns
// either off. A non-recursive fs.watch reports the name of each entry of the
// folder that changes and nothing under its subfolders (processing/, done/,
// .threadline/ …), so each event costs O(1).
import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';

export interface InboxOptions {
  /** Entries of the folder that are the watcher's own (processing, done, …): never reported. */
  reserved: ReadonlySet<string>;
  rescanMs: number;
  /**
   * A watch event about this entry (`listed` false: it may be gone, or be a folder),
   * or a rescan found it is a file (`listed` true).
   */
  onName: (name: string, listed: boolean) => void;
  /** After each rescan: every file now in the folder. */
  onRescan: (files: ReadonlySet<string>) => void;
  print: (line: string) => void;
}

export class Inbox {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly folder: string,
    private readonly options: InboxOptions,
  ) {}

  /** Starts watching; resolves after the first rescan has reported the files already there. */
  async start(): Promise<void> {
    try {
      this.watcher = watch(this.folder, { persistent: true }, (_event, name) => {
        // No name (some platforms, some events): look at the whole folder instead.
        if (name === null) this.rescanSoon();
        else if (!this.options.reserved.has(name)) this.options.onName(name, false);
      });
      this.watcher.on('error', (error) => {
        this.options.print(
          `watch error in ${this.folder}: ${error.message}; looking every ${this.seconds} s`,
        );
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (error) {
      this.options.print(
        `cannot watch ${this.folder} (${(error as Error).message}); looking every ${this.seconds} s`,
      );
    }
    await this.rescan();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private get seconds(): number {
    return this.options.rescanMs / 1000;
  }

  private rescanSoon(): void {
    if (this.closed) return;
    // A scan in flight may have read the folder before the event: another follows it.
    if (this.scanning) this.again = true;
    else {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.rescan(), 0);
    }
  }

  /**
   * One readdir, no stat: the file type comes with the entry. The runner drops
   * names it already knows in O(1), so only new files reach the stability check.
   */
  private rescan(): Promise<void> {
    this.scanning ??= (async () => {
      try {
        const files = new Set<string>();
        for (const entry of await readdir(this.folder, { withFileTypes: true })) {
          if (entry.isFile() && !this.options.reserved.has(entry.name)) files.add(entry.name);
        }
        if (this.closed) return;
        for (const name of files) this.options.onName(name, true);
        this.options.onRescan(files);
      } catch (error) {
        if (!this.closed) this.options.print(`cannot read ${this.folder}: ${(error as Error).message}`);
      } finally {
        this.scanning = undefined;
        if (!this.closed) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => void this.rescan(), this.again ? 0 : this.options.rescanMs);
          this.again = false;
        }
      }
    })();
    return this.scanning;
  }
}
