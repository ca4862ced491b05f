#!/usr/bin/env node
// Builds the web UI before `npm start` when web/dist is missing or older than its sources, so
// `npm install && npm start` is all a newcomer types.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const built = join(web, 'dist', 'index.html');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(join(web, 'index.html'))) process.exit(0);
if (existsSync(built) && statSync(built).mtimeMs >= newest(web)) process.exit(0);
console.log('building the web UI (once, ~20 s)...');
execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web, '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
