// Entry of the followers thread (src/services/followers-worker.ts): loads TypeScript as
// bin/truceline.js does, in this thread too.
import { register } from 'tsx/esm/api';

register();
await import('../src/services/followers-worker.ts');
