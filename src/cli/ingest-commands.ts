import { createReadStream, statSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { importAcledInto } from '../services/acled-import';
import { addFeed } from '../services/feed-ingest';
import { replayInbox } from '../services/inbox-replay';
import { STATS_CHANNELS, type StatsChannel } from '../store/ingest-repository';
import { withStore } from './context';

/** `import acled`, `feed add|revoke|list`, `inbox replay|stats`. */
export function registerIngestCommands(program: Command, { importCmd, dbOption }: { importCmd: Command; dbOption: () => Option }): void {
  importCmd
    .command('acled <file>')
    .description('Import an ACLED CSV export: each row stored raw, then an observation (source osint) or a quarantine record; re-imports add only what changed')
    .addOption(dbOption())
    .option('--no-progress', 'no progress bar')
    .option('--releasability <label>', 'label of the observations', 'COALITION')
    .action(importAcledCommand);

  const feedCmd = program.command('feed').description('Partner feeds posting to POST /api/feeds/NAME/observations');
  feedCmd
    .command('add <name>')
    .description('Add a feed; its token is printed once, on the last line')
    .addOption(dbOption())
    .action(async (name: string, opts: { db?: string }) => {
      const token = await withStore(opts, ({ store }) => addFeed(store, name));
      console.error(`feed ${name} added. Post with: curl -XPOST http://HOST/api/feeds/${name}/observations -H 'authorization: Bearer <token>' -H 'content-type: application/geo+json' -d @features.geojson`);
      console.error('The token is shown only now:');
      console.log(token);
    });
  feedCmd
    .command('revoke <name>')
    .description('Revoke a feed\'s token (its observations stay)')
    .addOption(dbOption())
    .action(async (name: string, opts: { db?: string }) => {
      const done = await withStore(opts, ({ store }) => store.ingest.feeds.revoke(name, new Date().toISOString()));
      if (!done) {
        console.error(`no active feed named ${name}`);
        process.exitCode = 1;
      } else console.log(`feed ${name} revoked`);
    });
  feedCmd
    .command('list')
    .description('List feeds')
    .addOption(dbOption())
    .action(async (opts: { db?: string }) => {
      const feeds = await withStore(opts, ({ store }) => store.ingest.feeds.list());
      for (const f of feeds) console.log(`${f.name}\tadded ${f.createdAt}${f.revokedAt ? `\trevoked ${f.revokedAt}` : ''}`);
    });

  const inboxCmd = program.command('inbox').description('The raw inbox and the quarantine');
  inboxCmd
    .command('replay')
    .description('Parse quarantined raw inputs again (after a parser fix) and take in what now passes; also settles raw inputs stored but never processed')
    .addOption(dbOption())
    .addOption(new Option('--channel <channel>', 'only this channel').choices([...STATS_CHANNELS]))
    .option('--since <instant>', 'only raw inputs received at or after this ISO 8601 instant')
    .action(replayCommand);
  inboxCmd
    .command('stats')
    .description('Per channel: received = accepted + quarantined + pending (JSON, as GET /api/inbox/stats)')
    .addOption(dbOption())
    .action(async (opts: { db?: string }) => {
      console.log(JSON.stringify(await withStore(opts, ({ store }) => store.ingest.ledger.stats()), null, 2));
    });
}

async function importAcledCommand(file: string, opts: { db?: string; progress: boolean; releasability: string }): Promise<void> {
  const size = statSync(file).size;
  const summary = await withStore(opts, async ({ store, ingest }) => {
    const bar =
      opts.progress && process.stderr.isTTY
        ? new SingleBar({ format: 'acled |{bar}| {percentage}% {value}/{total} bytes | {rows} rows, {quarantined} quarantined', stream: process.stderr }, Presets.shades_classic)
        : null;
    bar?.start(size, 0, { rows: 0, quarantined: 0 });
    try {
      return await importAcledInto(store, ingest, createReadStream(file, { highWaterMark: 256 * 1024 }), {
        raw: { kind: 'rows' },
        releasability: opts.releasability,
        onProgress: (s) => bar?.update(s.bytes, { rows: s.rows, quarantined: s.quarantined }),
      });
    } finally {
      bar?.stop();
    }
  });
  console.log(
    `imported ${file}: ${summary.rows} rows: ${summary.inserted} new, ${summary.superseded} newer versions, ${summary.unchanged} unchanged, ${summary.older} older versions, ${summary.alreadyStored} already stored, ${summary.quarantined} quarantined (see the quarantine)`,
  );
  if (summary.quarantined) process.exitCode = 1;
}

async function replayCommand(opts: { db?: string; channel?: StatsChannel; since?: string }): Promise<void> {
  if (opts.since !== undefined && !Number.isFinite(Date.parse(opts.since))) throw new Error(`--since ${opts.since} is not an ISO 8601 instant`);
  const report = await withStore(opts, ({ store, ingest }) => replayInbox(store, ingest, { channels: opts.channel ? [opts.channel] : undefined, since: opts.since }));
  console.log(
    `replayed ${report.processed} raw inputs: ${report.replayed} quarantined items now accepted, ${report.stillQuarantined} still quarantined` +
      (report.pendingAccepted || report.pendingQuarantined ? `; never settled before: ${report.pendingAccepted} accepted, ${report.pendingQuarantined} quarantined` : ''),
  );
  for (const f of report.failures.slice(0, 10)) console.log(`  still failing: raw ${f.rawId} item ${f.item}: ${f.reason}`);
}
