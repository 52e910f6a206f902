import type { Connect } from '@threadline/core';
import type { Project } from './config/project.js';
import type { HistoryConnect } from './connect.js';

/** What every command gets: the project (its config, read on first use) and a way to reach its jobs. */
export interface CommandDeps {
  project: () => Promise<Project>;
  connect: Connect;
  /** For commands that only read the history (list, show): a data directory is opened read-only. */
  history: HistoryConnect;
}
