import { createEngine } from '@threadline/core';
import { cleanupStack } from '@threadline/testing';
import { afterEach } from 'vitest';
import { CONTRACT_REGISTRY, jobClientContract } from '../src/suite.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);

jobClientContract('the in-process engine', async () => {
  const engine = await createEngine({
    dataDir: cleanups.tempDir('contract'),
    registry: CONTRACT_REGISTRY,
    poolSize: 2,
    graceMs: 500,
  });
  cleanups.add(() => engine.close());
  return { client: engine };
});
