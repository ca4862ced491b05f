import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { incidentContract } from './incident-contract';

incidentContract('sqlite (temporary file)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-incident-')), 'test.db')));
