import { until } from '@threadline/testing';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { App } from '../src/ui/App.js';
import { startEngine } from './helpers/engine.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('quitting while its own jobs run', () => {
  it('stops asking and exits once the jobs it asked about have ended by themselves', async () => {
    const { engine, stop } = await startEngine();
    cleanups.push(stop);
    const view = tuiJobsView(engine);
    cleanups.push(() => view.close());
    const app = render(<App client={engine} view={view} local where="test engine" />);
    cleanups.push(() => app.unmount());
    const frame = () => app.lastFrame() ?? '';
    const job = await engine.start('demo.sleep', { items: 2, ms: 700 });
    await until(
      () => /demo\.sleep\s+\w{4} running/.test(frame()),
      () => `a running row; saw:\n${frame()}`,
    );
    app.stdin.write('q');
    await until(
      () => frame().includes('1 job is still running here'),
      () => `the question; saw:\n${frame()}`,
    );
    expect((await engine.waitFor(job.id)).state).toBe('succeeded');
    await until(
      () => app.stdin.listenerCount('readable') === 0,
      () => `the app to exit; saw:\n${frame()}`,
    );
  });
});
