// Comlink ships ESM as .mjs without .d.mts beside it; point TypeScript at its types.
declare module 'comlink/dist/esm/comlink.mjs' {
  export * from 'comlink';
}
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { MessagePort } from 'node:worker_threads';
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(port: MessagePort | import('node:worker_threads').Worker): Endpoint;
}
