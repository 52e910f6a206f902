import { cleanupStack } from '@threadline/testing';
import { afterEach } from 'vitest';
import { jobClientContract, openContractEngine } from '../src/suite.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);

jobClientContract('the in-process engine', async () => {
  const engine = await openContractEngine(cleanups);
  return { client: engine };
});
