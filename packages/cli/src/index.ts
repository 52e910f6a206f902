// `threadline`: the command's package. A project imports its config helper
// from here and what its jobs need from `threadline/job`.
export {
  defineConfig,
  type ThreadlineConfig,
  type WatchFolderConfig,
  type WatchRuleConfig,
} from './config/define.js';
