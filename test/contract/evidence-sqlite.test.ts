import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { evidenceContract } from './evidence-contract';

evidenceContract('sqlite (temporary file)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-evidence-')), 'test.db')));
