import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { logContract } from './log-contract';

logContract('sqlite (temporary file)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-log-')), 'test.db')));
