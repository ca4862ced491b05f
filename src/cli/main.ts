import { Command, Option } from 'commander';
import { VERSION } from '../project';
import { serveCommand } from './serve';
import { importObservationsCommand } from './import-observations';
import { exportObservationsCommand } from './export-observations';
import { seedDemoCommand } from './seed-demo';

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
  .action(serveCommand);

const importCmd = program.command('import').description('Import data');
importCmd
  .command('observations <file>')
  .description('Import observations from a .json (one, an array, or {"observations": [...]}) or .ndjson file')
  .addOption(dbOption())
  .option('--no-progress', 'no progress bar')
  .action(importObservationsCommand);

program.command('seed-demo').description('Seed the demo sectors and week of observations').addOption(dbOption()).action(seedDemoCommand);

const exportCmd = program.command('export').description('Export data');
exportCmd
  .command('observations')
  .description('Export observations to stdout or a file')
  .addOption(dbOption())
  .addOption(new Option('--format <format>', 'output format').choices(['geojson', 'ndjson']).default('geojson'))
  .option('-o, --output <file>', 'write to a file instead of stdout')
  .action(exportObservationsCommand);

await program.parseAsync(process.argv);
