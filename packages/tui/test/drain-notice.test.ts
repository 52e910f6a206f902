import { describe, expect, it } from 'vitest';
import { drainNotice } from '../src/drain-notice.js';
import { snapshot } from './helpers/snapshot.js';

describe('the line left in the shell when the TUI stops with its jobs unfinished', () => {
  it('says running items may finish and names the job whose rest ends interrupted', () => {
    const job = snapshot({ id: 'j_one', state: 'running' });
    expect(drainNotice('Stopping on SIGTERM', [job])).toBe(
      'Stopping on SIGTERM: letting running items finish (up to drainMs, 10 s by default); ' +
        'what is left of demo.sleep (j_one) then ends interrupted. r in threadline tui resumes it.\n',
    );
  });

  it('names three jobs and counts the rest, and promises no wait when none has started', () => {
    const jobs = ['j_a', 'j_b', 'j_c', 'j_d', 'j_e'].map((id) => snapshot({ id, state: 'queued' }));
    const line = drainNotice('Stopping on SIGINT', jobs);
    expect(line).toBe(
      'Stopping on SIGINT: what is left of demo.sleep (j_a), demo.sleep (j_b), demo.sleep (j_c) and 2 more ' +
        'then ends interrupted. r in threadline tui resumes them.\n',
    );
    expect(drainNotice('Quitting', jobs.slice(0, 2))).toContain('demo.sleep (j_a) and demo.sleep (j_b) then');
  });
});
