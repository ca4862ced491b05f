import { Command, Option } from 'commander';
import { VERSION } from '../project';
import { serveCommand } from './serve';
import { importObservationsCommand } from './import-observations';
import { exportObservationsCommand } from './export-observations';
import { seedDemoCommand } from './seed-demo';
import { tokenCreateCommand, tokenRevokeCommand, userAddCommand } from './users';
import { registerAgreementCommands } from './agreement';
import { registerIncidentCommands } from './incidents';
import { registerForceCommands } from './force';
import { registerIngestCommands } from './ingest-commands';
import { verifyLogCommand } from './verify-log';
import { registerReportCommands } from './report';
import { registerLandCommands } from './land';

const program = new Command('truceline')
  .version(VERSION)
  .description('Truceline: ceasefire monitoring and coordination')
  .showHelpAfterError();

const dbOption = () => new Option('--db <url-or-file>', 'SQLite file or postgres:// URL (env TRUCELINE_DB)');

program
  .command('serve')
  .description('Serve the API and the web map')
  .addOption(dbOption())
  .option('--port <port>', 'HTTP port (env PORT, default 8080)')
  .option('--host <host>', 'address to listen on (env HOST, default 0.0.0.0)')
  .option('--no-demo', 'do not seed the demo week into an empty store')
  .option('--no-web', 'do not serve the web UI')
  .option('--site <id>', 'this field site\'s id: publish what it accepts to NATS JetStream (env TRUCELINE_SITE; needs --nats)')
  .option('--nats <url>', 'NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222 (env TRUCELINE_NATS)')
  .option('--consume', 'the cell: consume every site\'s stream from NATS into this store (env TRUCELINE_NATS_CONSUME=1; needs --nats)')
  .option('--sync-cursor <file>', 'a site\'s publish cursor file (env TRUCELINE_SYNC_CURSOR; default <db>.sync-cursor.json)')
  .option('--cot-port <port>', 'TAK CoT plain TCP port (env TRUCELINE_COT_PORT, default 8087; 0: any free port)')
  .option('--cot-tls-port <port>', 'TAK CoT TLS port (env TRUCELINE_COT_TLS_PORT, default 8089; needs TRUCELINE_COT_TLS_CERT, _KEY and _CA)')
  .option('--no-cot', 'no CoT (TAK) listener')
  .action(serveCommand);

const importCmd = program.command('import').description('Import data');
importCmd
  .command('observations <file>')
  .description('Import observations from a .json (one, an array, or {"observations": [...]}) or .ndjson file')
  .addOption(dbOption())
  .option('--no-progress', 'no progress bar')
  .action(importObservationsCommand);

program.command('seed-demo').description('Seed the demo sectors and week of observations').addOption(dbOption()).action(seedDemoCommand);

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const userCmd = program.command('user').description('Users of the mechanism, the cell and the nations');
userCmd
  .command('add <name>')
  .description('Add a user; the password is read from stdin when piped, else generated and printed')
  .addOption(dbOption())
  .requiredOption('--nation <ISO3>', 'nation (ISO 3166-1 alpha-3)')
  .requiredOption('--org <org>', 'organisation: mechanism, cell, or a nation delegation / party name')
  .addOption(new Option('--org-kind <kind>', 'what the organisation is (guessed from --org otherwise)').choices(['mechanism', 'cell', 'nation', 'party']))
  .option('--role <role>', 'role (repeat or comma-separate): monitor, analyst, chief_monitor, cell_officer, liaison_officer, admin', collect, [])
  .action(userAddCommand);
const tokenCmd = program.command('token').description('API tokens for feeds, TAK clients and scripts');
tokenCmd
  .command('create')
  .description('Create an API token for a user; the token is printed once, on the last line')
  .addOption(dbOption())
  .requiredOption('--user <name>', 'the user the token acts as')
  .option('--scope <scope>', 'read, write, cot, admin (repeat or comma-separate)', collect, [])
  .option('--name <name>', 'what the token is for')
  .action((opts: { db?: string; user: string; scope: string[]; name?: string }) =>
    tokenCreateCommand({ ...opts, scope: (opts.scope.length ? opts.scope : ['read', 'write']) as ('read' | 'write' | 'cot' | 'admin')[] }),
  );
tokenCmd.command('revoke <id>').description('Revoke an API token').addOption(dbOption()).action(tokenRevokeCommand);

const exportCmd = program.command('export').description('Export data');
exportCmd
  .command('observations')
  .description('Export observations to stdout or a file')
  .addOption(dbOption())
  .addOption(new Option('--format <format>', 'output format').choices(['geojson', 'ndjson', 'acled']).default('geojson'))
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(exportObservationsCommand);

registerAgreementCommands(program, dbOption);
registerIncidentCommands(program, dbOption);
registerForceCommands(program, dbOption);
registerIngestCommands(program, { importCmd, dbOption });

program
  .command('verify-log')
  .description('Check the transparency log: recompute every leaf and the tree, every checkpoint and signature, and each record against its latest entry')
  .addOption(dbOption())
  .option('--public-key <pem-file>', 'trust only this Ed25519 public key (repeatable); default: the keys the store records', (v: string, prev: string[]) => [...prev, v], [])
  .option('--no-progress', 'no progress bar')
  .action(verifyLogCommand);

registerReportCommands(program, dbOption);
registerLandCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A user's mistake (bad input, a conflict) is one clear line, not a stack trace.
  const e = err as Error & { status?: number; field?: string };
  console.error(`truceline: ${e.status && e.status < 500 ? e.message : (e.stack ?? e.message)}`);
  process.exitCode = 1;
}
