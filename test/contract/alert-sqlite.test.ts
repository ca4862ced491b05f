import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { alertContract } from './alert-contract';

alertContract('sqlite (temporary file)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-alert-')), 'test.db')));
