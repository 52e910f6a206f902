// Helpers the tests and the bench share. No test framework here: each package's own
// test helpers register cleanups (afterEach) around these.
export { type Cleanup, type CleanupStack, cleanupStack, type TempDir, tempDir } from './cleanup.js';
export { exited, freePort, stopChild, waitForLine } from './process.js';
export { type RedisServer, startRedis } from './redis.js';
export { type RedisCluster, startRedisCluster } from './redis-cluster.js';
export { type TmpfsMounts, tmpfsMounts } from './tmpfs.js';
export { startTmux, type TmuxOptions, type TmuxTerminal } from './tmux.js';
export { collect, until } from './wait.js';
