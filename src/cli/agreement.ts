import { Presets, SingleBar } from 'cli-progress';
import type { Command, Option } from 'commander';
import { readAgreementFile } from '../agreement/agreement-file';
import { AgreementValidationError, versionInForce } from '../domain/agreement';
import { TrucelineError } from '../domain/errors';
import type { AgreementState } from '../services/agreement.service';
import { lineFromAreaCommand } from './agreement-line';
import { withStore } from './context';

/**
 * `truceline agreement import | show | line-from-area | reevaluate`: the agreement in force, kept
 * in the store named by --db / TRUCELINE_DB (as the server keeps it), and the re-judging of
 * stored observations after it changes.
 */
export function registerAgreementCommands(program: Command, dbOption: () => Option): void {
  const agreement = program.command('agreement').description('The agreement in force: import, amend with a derived line, show, re-evaluate');

  agreement
    .command('import <file>')
    .description('Validate an agreement file (src/agreement/README.md) and store it as the agreement in force (a new revision)')
    .addOption(dbOption())
    .action((file: string, opts: { db?: string }) => reportErrors(() => importCommand(file, opts)));

  agreement
    .command('show')
    .description('Show the agreement in force: revision, versions, lines and provisions')
    .addOption(dbOption())
    .option('--json', 'print the whole agreement document as JSON')
    .action((opts: { db?: string; json?: boolean }) => reportErrors(() => showCommand(opts)));

  agreement
    .command('line-from-area <area>')
    .description('Derive the contact line from an occupied-area polygon (GeoJSON); with --amend, store it as an amendment of the agreement in force')
    .option('--border <file>', 'border GeoJSON (default: the outer edges of the bundled OSM oblasts)')
    .option('--land <file>', 'land GeoJSON or TopoJSON for the coast (default: Natural Earth land 1:10m from world-atlas)')
    .option('--tolerance-m <m>', 'parts of the boundary within this distance of the border or coast are not the line', '3000')
    .option('--min-length-km <km>', 'drop parts shorter than this', '20')
    .option('-o, --output <file>', 'write the line (GeoJSON Feature) to a file instead of stdout')
    .option('--amend', 'store an amendment of the agreement in force whose contact line is the derived line (needs --effective-from)')
    .option('--effective-from <instant>', 'with --amend: ISO 8601 instant from which the new line applies')
    .option('--note <text>', 'with --amend: what the amendment says')
    .addOption(dbOption())
    .action((area: string, opts: Parameters<typeof lineFromAreaCommand>[1]) => reportErrors(() => lineFromAreaCommand(area, opts)));

  agreement
    .command('reevaluate')
    .description('Re-judge the observations of a time range with the agreement in force (the observations themselves are never changed)')
    .option('--from <instant>', 'earliest observedAt, ISO 8601 (inclusive; default: the beginning)')
    .option('--to <instant>', 'latest observedAt, ISO 8601 (exclusive; default: no end)')
    .option('--no-progress', 'no progress bar')
    .addOption(dbOption())
    .action((opts: { db?: string; from?: string; to?: string; progress: boolean }) => reportErrors(() => reevaluateCommand(opts)));
}

/** Agreement problems are listed one per line, naming the feature; exit code 1. */
async function reportErrors(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AgreementValidationError) {
      console.error(`agreement rejected (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}); nothing was stored:`);
      for (const p of e.problems) console.error(`  - ${p.feature}: ${p.message} (at ${p.field})`);
    } else if (e instanceof TrucelineError) {
      console.error(`error: ${e.message}`);
    } else {
      throw e;
    }
    process.exitCode = 1;
  }
}

async function importCommand(file: string, opts: { db?: string }): Promise<void> {
  const parsed = readAgreementFile(file); // validated before the store is even opened
  await withStore(opts, async ({ store, agreements }) => {
    const s = await agreements.importAgreement('cli', parsed.agreement);
    console.log(`agreement "${s.revision.agreementId}" stored as revision ${s.revision.revision} in ${store.description}; ${describeVersions(s)}`);
    console.log('observations already stored keep their judgements until re-judged: truceline agreement reevaluate --from ISO --to ISO');
  });
}

function describeVersions(s: AgreementState): string {
  const now = versionInForce(s.parsed, new Date());
  return `${s.parsed.versions.length} version(s), ${now ? `version ${now.version} in force now` : 'not in force now'}`;
}

const km = (m: number) => `${(m / 1000).toLocaleString('en-GB', { maximumFractionDigits: 1 })} km`;

async function showCommand(opts: { db?: string; json?: boolean }): Promise<void> {
  await withStore(opts, async ({ agreements }) => {
    const s = await agreements.current();
    if (!s) {
      console.error('no agreement stored: truceline agreement import FILE (or truceline seed-demo for the shipped default)');
      process.exitCode = 1;
      return;
    }
    if (opts.json) {
      console.log(JSON.stringify(s.revision.doc, null, 2));
      return;
    }
    const a = s.parsed.agreement;
    const r = s.revision;
    console.log(`${a.name} (${a.id})`);
    console.log(`  status ${a.status}${a.inForceFrom ? `, in force from ${a.inForceFrom}` : ''}${a.endedAt ? `, ended ${a.endedAt}` : ''}`);
    console.log(`  parties: ${a.parties.map((p) => `${p.id} (${p.name})`).join(', ')}`);
    console.log(`  revision ${r.revision}, stored ${r.storedAt} by ${r.by} (${r.reason}); ${describeVersions(s)}`);
    s.parsed.versions.forEach((v, i) => {
      const p = v.provisions;
      console.log(`  version ${v.version}: from ${v.effectiveFrom}${v.effectiveUntil ? ` until ${v.effectiveUntil}` : ''}${a.versions[i]?.note ? ` — ${a.versions[i]!.note}` : ''}`);
      for (const l of p.lines) {
        const parts = l.geometry.type === 'LineString' ? 1 : l.geometry.coordinates.length;
        console.log(`    line ${l.id}${l.id === p.contactLine ? ' (contact line)' : ''}: ${parts} part(s)${l.area ? `, sides by area (inside ${l.insideParty})` : `, left ${l.leftParty} / right ${l.rightParty}`}`);
      }
      for (const w of p.withdrawal) {
        const d = typeof w.distanceM === 'number' ? km(w.distanceM) : Object.entries(w.distanceM).map(([k, m]) => `${k} ${km(m)}`).join(', ');
        console.log(`    withdrawal ${w.id}: ${w.weaponClass} ${d}${w.storageRequired ? ', storage required' : ''}`);
      }
      if (p.securityZone) {
        const z = p.securityZone;
        console.log(`    security zone ${z.id}: ${typeof z.halfWidthM === 'number' ? km(z.halfWidthM) : JSON.stringify(z.halfWidthM)} each side`);
      }
      for (const x of p.protectedSites) console.log(`    protected site ${x.id}: ${x.name}, radius ${km(x.radiusM)}`);
      for (const x of p.noFlyAreas) console.log(`    no-fly area ${x.id}: ${x.name}`);
      for (const x of p.storageSites) console.log(`    storage site ${x.id}: ${x.name}${x.party ? ` (${x.party})` : ''}`);
    });
  });
}

async function reevaluateCommand(opts: { db?: string; from?: string; to?: string; progress: boolean }): Promise<void> {
  const instant = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (!Number.isFinite(t) || !/\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(v)) throw new TrucelineError(400, 'invalid-input', 'Invalid input', `--${name} must be an ISO 8601 instant with offset, e.g. 2026-11-18T00:00:00Z`);
    return t;
  };
  const from = instant('from', opts.from);
  const to = instant('to', opts.to);
  await withStore(opts, async ({ agreements }) => {
    const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 're-evaluate |{bar}| {percentage}% {value}/{total} observations', stream: process.stderr }, Presets.shades_classic) : null;
    let started = false;
    const r = await agreements.reevaluate('cli', { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }, (done, total) => {
      if (!bar) return;
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    });
    bar?.stop();
    const kinds = Object.entries(r.breachesByKind)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    console.log(
      `re-evaluated ${r.observations} observations (${r.from ?? 'beginning'} to ${r.to ?? 'now'}) with "${r.agreementId}" revision ${r.revision} in ${(r.ms / 1000).toFixed(1)} s: ` +
        `${r.inForce} under a version in force, ${r.breaching} breaching${kinds ? ` (${kinds})` : ''}, ${r.changed} changed`,
    );
  });
}
