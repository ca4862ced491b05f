import { readFileSync, writeFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { SEE_ALL, type UserActor } from '../domain/identity';
import { bundleToCsv, csvToBundle, ForceService } from '../services/force.service';
import { FORCE_KINDS, type ForceKind } from '../store/force-repository';
import { withStore } from './context';

/** The command line reads and writes as the operator of the machine: everything, audited as `user:cli`. */
const CLI_ACTOR: UserActor = { type: 'user', id: 'cli', username: 'cli', nation: 'ZZZ', org: 'command line', orgKind: 'cell', roles: ['admin'] };
const caller = { actor: CLI_ACTOR, visibility: SEE_ALL };

export function registerForceCommands(program: Command, dbOption: () => Option): void {
  const force = program.command('force').description('The multinational force and the commitments register: import and export (CSV or JSON)');
  force
    .command('import <file>')
    .description('import a JSON bundle (.json) or a CSV (.csv) as `force export` writes them; all or nothing, upserted by id')
    .addOption(dbOption())
    .action(async (file: string, opts: { db?: string }) => {
      const text = readFileSync(file);
      const bundle = /\.csv$/i.test(file) ? csvToBundle(text) : (JSON.parse(text.toString('utf8')) as unknown);
      await withStore(opts, async ({ store, agreements }) => {
        const s = await new ForceService(store, agreements).importBundle(caller, bundle);
        const per = FORCE_KINDS.filter((k) => s.byKind[k].created + s.byKind[k].updated + s.byKind[k].unchanged > 0).map((k) => `${k} ${s.byKind[k].created}/${s.byKind[k].updated}/${s.byKind[k].unchanged}`);
        console.log(`imported ${file}: ${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged${per.length ? ` (new/updated/unchanged: ${per.join(', ')})` : ''}`);
      });
    });
  force
    .command('export')
    .description('export the force and the commitments register')
    .option('--format <format>', 'json or csv', 'json')
    .option('--kind <kind>', `only one kind: ${FORCE_KINDS.join(', ')}`)
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addOption(dbOption())
    .action(async (opts: { db?: string; format: string; kind?: string; output?: string }) => {
      if (opts.format !== 'json' && opts.format !== 'csv') throw new Error(`--format must be json or csv, not ${opts.format}`);
      if (opts.kind !== undefined && !FORCE_KINDS.includes(opts.kind as ForceKind)) throw new Error(`--kind must be one of ${FORCE_KINDS.join(', ')}`);
      await withStore(opts, async ({ store, agreements }) => {
        const bundle = await new ForceService(store, agreements).exportBundle(caller, opts.kind ? [opts.kind as ForceKind] : FORCE_KINDS);
        const { settings: _s, ...records } = bundle;
        const text = opts.format === 'csv' ? bundleToCsv(records) : `${JSON.stringify(bundle, null, 2)}\n`;
        if (opts.output) writeFileSync(opts.output, text);
        else process.stdout.write(text);
      });
    });
}
