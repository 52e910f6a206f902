#!/usr/bin/env node
// Checked in (not built) so `npm install` can link the command before `prepare` builds dist/.
await import('../dist/main.js');
