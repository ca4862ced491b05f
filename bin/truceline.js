#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx truceline` works right after `npm install`
// without a separate compile step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
