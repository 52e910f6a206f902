// A command's view of the project: its config file (if any), its jobs by
// name, and the defaults every command takes when a flag does not say.
// Precedence: flag > environment > config file > built-in default.
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type EngineOptions, type JobRegistry, resolveDataDir } from '@threadline/core';
import type { ThreadlineConfig } from './define.js';
import { type ConfigLocation, findConfig } from './find.js';
import { type ProjectJob, projectJobs } from './jobs.js';
import { loadConfigFile } from './load.js';

export type SettingName =
  | 'dataDir'
  | 'allow'
  | 'poolSize'
  | 'graceMs'
  | 'itemTimeoutMs'
  | 'workerMemoryMb'
  | 'drainMs'
  | 'resumeInterrupted'
  | 'redis'
  | 'server'
  | 'token'
  | 'port'
  | 'host';

export interface Setting<T> {
  value: T;
  /** `config`, `env NAME`, or `default`. */
  source: string;
}

export interface Settings {
  dataDir: Setting<string>;
  allow: Setting<string[]>;
  poolSize: Setting<number>;
  graceMs: Setting<number>;
  itemTimeoutMs: Setting<number | undefined>;
  workerMemoryMb: Setting<number | undefined>;
  drainMs: Setting<number>;
  resumeInterrupted: Setting<boolean>;
  redis: Setting<string | undefined>;
  server: Setting<string | undefined>;
  token: Setting<string | false | undefined>;
  port: Setting<number>;
  host: Setting<string>;
}

export interface Project {
  config?: ConfigLocation;
  /** The config file's folder, or the current directory: where relative paths in the config resolve. */
  base: string;
  jobs: ProjectJob[];
  registry: JobRegistry;
  settings: Settings;
  /** The config's `limits` for `threadline serve`. */
  limits: NonNullable<ThreadlineConfig['limits']>;
  /** The config's `retention`, for every BullMQ client and worker a command opens. */
  retention: NonNullable<ThreadlineConfig['retention']>;
  /** The config's `watch` rules, if it has them. */
  watch?: { rules: NonNullable<ThreadlineConfig['watch']>; base: string; file: string };
}

/** A setting someone chose (environment or config); undefined leaves the engine its own default. */
export const configured = <T>(setting: Setting<T>): T | undefined =>
  setting.source === 'default' ? undefined : setting.value;

/** The limits on a job's items an engine of this project runs them with (unset: the engine's defaults). */
export function itemLimits(settings: Settings): Pick<EngineOptions, 'itemTimeoutMs' | 'resourceLimits'> {
  const { itemTimeoutMs, workerMemoryMb } = settings;
  return {
    ...(itemTimeoutMs.value !== undefined ? { itemTimeoutMs: itemTimeoutMs.value } : {}),
    ...(workerMemoryMb.value !== undefined
      ? { resourceLimits: { maxOldGenerationSizeMb: workerMemoryMb.value } }
      : {}),
  };
}

export const DEFAULT_PORT = 7420;
export const DEFAULT_GRACE_MS = 2000;
export const DEFAULT_DRAIN_MS = 10_000;

const ENV: Partial<Record<SettingName, string>> = {
  dataDir: 'THREADLINE_DATA_DIR',
  redis: 'THREADLINE_REDIS',
  server: 'THREADLINE_SERVER',
  token: 'THREADLINE_TOKEN',
};

export async function loadProject(options: {
  configFlag?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  builtins: () => Promise<JobRegistry>;
}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const config = findConfig(options.configFlag, env, cwd);
  const values = config ? await loadConfigFile(config.file) : {};
  const base = config ? dirname(config.file) : cwd;
  const builtins = values.builtins === false ? {} : await options.builtins();
  const jobs = await projectJobs(values.jobs ?? [], base, config?.file ?? '', builtins);

  const pick = <T>(
    name: SettingName,
    fromConfig: T | undefined,
    fallback: T,
    parse = (text: string) => text as T,
  ): Setting<T> => {
    const envName = ENV[name];
    const fromEnv = envName ? env[envName] : undefined;
    if (fromEnv) return { value: parse(fromEnv), source: `env ${envName}` };
    if (fromConfig !== undefined) return { value: fromConfig, source: 'config' };
    return { value: fallback, source: 'default' };
  };
  const settings: Settings = {
    dataDir: pick(
      'dataDir',
      values.dataDir && resolve(base, values.dataDir),
      resolveDataDir(undefined),
      (dir) => resolve(cwd, dir),
    ),
    allow: pick(
      'allow',
      values.allow?.map((dir) => resolve(base, dir)),
      [base],
    ),
    poolSize: pick('poolSize', values.poolSize, availableParallelism()),
    graceMs: pick('graceMs', values.graceMs, DEFAULT_GRACE_MS),
    itemTimeoutMs: pick('itemTimeoutMs', values.itemTimeoutMs, undefined),
    workerMemoryMb: pick('workerMemoryMb', values.workerMemoryMb, undefined),
    drainMs: pick('drainMs', values.drainMs, DEFAULT_DRAIN_MS),
    resumeInterrupted: pick('resumeInterrupted', values.resumeInterrupted, false),
    redis: pick('redis', values.redis, undefined),
    server: pick('server', values.server, undefined),
    token: pick('token', values.token, undefined),
    port: pick('port', values.port, DEFAULT_PORT),
    host: pick('host', values.host, '127.0.0.1'),
  };
  return {
    ...(config ? { config } : {}),
    base,
    jobs,
    registry: Object.fromEntries(jobs.map((job) => [job.name, job.url])),
    settings,
    limits: values.limits ?? {},
    retention: values.retention ?? {},
    ...(values.watch && config ? { watch: { rules: values.watch, base, file: config.file } } : {}),
  };
}
