import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { verifyLog, type LogProblem } from '../services/transparency-log';
import { withStore } from './context';

/** Below this many entries a check takes a moment: no bar. */
const BAR_FROM = 20_000;

/** A public key pinned by whoever checks: SPKI PEM, or the PKCS#8 private key (its public half). */
function pinnedKey(file: string): KeyObject {
  const pem = readFileSync(file);
  try {
    return createPublicKey(pem);
  } catch {
    return createPublicKey(createPrivateKey(pem));
  }
}

const describe = (p: LogProblem): string => (p.seq !== undefined && p.index !== undefined ? `entry ${p.index} (seq ${p.seq}, ${p.entity} ${p.id}): ${p.what}` : p.what);

/**
 * `truceline verify-log`: recomputes the whole log from the store and checks it (see verifyLog).
 * Prints OK with counts, or names the first entry that breaks and exits 1.
 */
export async function verifyLogCommand(opts: { db?: string; publicKey?: string[]; progress: boolean }): Promise<void> {
  const publicKeys = opts.publicKey?.length ? opts.publicKey.map(pinnedKey) : undefined;
  const result = await withStore(opts, async ({ store }) => {
    const { size } = await store.log.head();
    const bar = opts.progress && process.stderr.isTTY && size >= BAR_FROM ? new SingleBar({ format: 'verify {phase} |{bar}| {value}/{total}', stream: process.stderr }, Presets.shades_classic) : null;
    let phase = '';
    try {
      return await verifyLog(store, {
        ...(publicKeys ? { publicKeys } : {}),
        onProgress: (p, done, total) => {
          if (!bar) return;
          if (p !== phase) {
            if (phase) bar.stop();
            phase = p;
            bar.start(total, done, { phase: p });
          }
          bar.setTotal(total);
          bar.update(done, { phase: p });
        },
      });
    } finally {
      bar?.stop();
    }
  });
  const counts = `${result.entries} entries, ${result.checkpoints} checkpoints, ${result.nodes} tree nodes, ${result.recordsChecked} records checked against their latest entry`;
  const notes = [
    result.changesPending ? `${result.changesPending} changes not yet in the log (appended when a server runs on this store)` : '',
    result.recordsPending ? `${result.recordsPending} records not compared: they have changes not yet logged` : '',
    result.recordsUnchecked ? `${result.recordsUnchecked} records not compared: no reader for their entity in this program` : '',
  ].filter(Boolean);
  if (result.ok) {
    console.log(`OK: ${counts}`);
    for (const n of notes) console.log(`note: ${n}`);
    return;
  }
  const [first, ...rest] = result.problems;
  console.log(`FAILED: ${describe(first!)}`);
  for (const p of rest.slice(0, 19)) console.log(`  also: ${describe(p)}`);
  if (rest.length > 19) console.log(`  ... and ${rest.length - 19} more problems`);
  console.log(`checked ${counts}`);
  for (const n of notes) console.log(`note: ${n}`);
  process.exitCode = 1;
}
