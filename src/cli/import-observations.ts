import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { v7 as uuidv7 } from 'uuid';
import type { ItemResult } from '../services/observation-ingest';
import { withStore } from './context';

const BATCH = 1000;

/**
 * Imports observations. Raw input is stored before it is parsed: the whole file for .json, each
 * batch of lines for .ndjson (so a 10 GB file never sits in memory). Unparseable lines and invalid
 * items are quarantined with their reason.
 */
export async function importObservationsCommand(file: string, opts: { db?: string; progress: boolean }): Promise<void> {
  const tally = { created: 0, duplicate: 0, conflict: 0, invalid: 0 };
  await withStore(opts, async ({ store, ingest }) => {
    const size = statSync(file).size;
    const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'import |{bar}| {percentage}% {value}/{total} bytes | {created} new', stream: process.stderr }, Presets.shades_classic) : null;
    bar?.start(size, 0, { created: 0 });
    const count = (rs: ItemResult[]) => rs.forEach((r) => tally[r.status]++);
    const storeRaw = async (body: Buffer) => {
      const id = uuidv7();
      await store.inbox.storeRaw({ id, channel: 'cli', receivedAt: new Date().toISOString(), contentType: file.endsWith('.ndjson') ? 'application/x-ndjson' : 'application/json', size: body.length, body, truncated: false });
      return id;
    };

    if (/\.(nd)?jsonl?$/.test(file) && !file.endsWith('.json')) {
      let lines: string[] = [];
      let bytes = 0;
      const flush = async () => {
        if (!lines.length) return;
        const rawId = await storeRaw(Buffer.from(lines.join('\n')));
        const items: unknown[] = [];
        for (const [n, line] of lines.entries()) {
          try {
            items.push(JSON.parse(line));
          } catch (e) {
            tally.invalid++;
            await store.inbox.quarantine({ id: uuidv7(), rawId, channel: 'cli', receivedAt: new Date().toISOString(), reason: `line ${n + 1} of batch: malformed JSON: ${(e as Error).message}`, field: null, size: Buffer.byteLength(line), excerpt: line.slice(0, 1024) });
          }
        }
        count(await ingest.submit(items, { channel: 'cli', rawId }));
        bar?.update(bytes, { created: tally.created });
        lines = [];
      };
      for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
        bytes += Buffer.byteLength(line) + 1;
        if (line.trim()) lines.push(line);
        if (lines.length >= BATCH) await flush();
      }
      await flush();
    } else {
      const body = readFileSync(file);
      const rawId = await storeRaw(body);
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch (e) {
        await store.inbox.quarantine({ id: uuidv7(), rawId, channel: 'cli', receivedAt: new Date().toISOString(), reason: `malformed JSON: ${(e as Error).message}`, field: null, size: body.length, excerpt: body.subarray(0, 1024).toString('utf8') });
        throw new Error(`${file}: malformed JSON: ${(e as Error).message} (quarantined)`);
      }
      const items = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && 'observations' in doc ? (doc as { observations: unknown[] }).observations : [doc];
      for (let i = 0; i < items.length; i += BATCH) {
        count(await ingest.submit(items.slice(i, i + BATCH), { channel: 'cli', rawId }));
        bar?.update(Math.round((size * Math.min(items.length, i + BATCH)) / items.length), { created: tally.created });
      }
    }
    bar?.stop();
  });
  console.log(`imported ${file}: ${tally.created} created, ${tally.duplicate} already present, ${tally.conflict} conflicting ids, ${tally.invalid} invalid (see the quarantine)`);
  if (tally.conflict || tally.invalid) process.exitCode = 1;
}
