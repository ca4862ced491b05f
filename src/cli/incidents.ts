import type { Command, Option } from 'commander';
import { IncidentService, loadFusionParams } from '../services/incident.service';
import { loadCoalition } from '../services/coalition-file';
import { withStore } from './context';

/**
 * `truceline incidents regroup`: groups into incidents every observation that is in none yet,
 * oldest first, as fusion on ingest would have. For stores whose observations predate fusion, or
 * were stored while it was off; the server groups new observations by itself.
 */
export function registerIncidentCommands(program: Command, dbOption: () => Option): void {
  const incidents = program.command('incidents').description('Incidents: fused observations under verification');
  incidents
    .command('regroup')
    .description('Group every observation not yet in an incident (oldest first) into incidents, with the fusion windows in force')
    .addOption(dbOption())
    .option('--fusion-params <file>', 'a JSON file of fusion windows (env TRUCELINE_FUSION_PARAMS; default: the built-in windows)')
    .action(regroupCommand);
}

async function regroupCommand(opts: { db?: string; fusionParams?: string }): Promise<void> {
  await withStore(opts, async ({ store, config }) => {
    const service = new IncidentService(store, {
      coalition: loadCoalition(config.coalition),
      fusion: loadFusionParams(opts.fusionParams ?? config.fusionParams),
      follow: false,
    });
    const started = Date.now();
    const r = await service.regroup({
      by: 'system:regroup',
      onProgress: (n) => {
        if (process.stderr.isTTY) process.stderr.write(`\rgrouped ${n} observations`);
      },
    });
    if (process.stderr.isTTY && r.observations) process.stderr.write('\n');
    console.log(
      `regrouped ${r.observations} observations in ${((Date.now() - started) / 1000).toFixed(1)} s: ${r.created} incidents opened, ${r.updated} existing incidents joined (${store.description})`,
    );
  });
}
