/**
 * Parse-only micro benchmark: Truceline's CoT parser next to @tak-ps/node-cot 12.23 (a
 * devDependency, for this comparison only) on the same messages: the real captures in
 * ../shared/data/cot, repeated. Prints JSON lines:
 *   {"bench":"ingest","metric":"cot_parse_per_s",...}
 *   {"bench":"ingest","metric":"node_cot_parse_per_s",...}
 *   {"bench":"ingest","metric":"cot_parse_ratio_vs_node_cot",...}   (target >= 3)
 *   {"bench":"ingest","metric":"cot_frame_parse_map_per_s",...}     (framer + parser + mapping)
 * Each rate is the median of 3 timed rounds (engines alternate, after a warm-up), in messages
 * per CPU-second of this process (see `rate`).
 * Run: `npm run bench -- ingest-parse` (or `node --import tsx bench/ingest-parse.ts [--seconds 1]`).
 * `measureCotParse()` is exported for bench/ingest.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CotFramer } from '../src/ingest/cot/framer';
import { mapCot } from '../src/ingest/cot/map';
import { parseCot } from '../src/ingest/cot/parse';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.TRUCELINE_SHARED_DIR ?? resolve(root, '..', 'shared');

export interface CotParseMeasurement {
  messages: number;
  excluded: string[];
  cotParsePerS: number;
  nodeCotParsePerS: number | null;
  ratio: number | null;
  pipelinePerS: number;
  rounds: { ours: number[]; nodeCot: number[]; pipeline: number[] };
}

type NodeCotCtor = new (xml: string) => unknown;

async function loadNodeCot(): Promise<NodeCotCtor | null> {
  try {
    // A computed specifier: node-cot ships TypeScript sources as its types, which our strict
    // settings would type-check; the benchmark only needs the constructor.
    const spec = '@tak-ps/node-cot';
    const mod = (await import(spec)) as { default: NodeCotCtor };
    return mod.default;
  } catch {
    return null;
  }
}

export function loadCaptures(dir = sharedDir): { name: string; xml: string }[] {
  const out: { name: string; xml: string }[] = [];
  for (const sub of ['node-cot', 'atak-libcotshrink']) {
    const d = join(dir, 'data', 'cot', sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => x.endsWith('.xml')).sort()) out.push({ name: `${sub}/${f}`, xml: readFileSync(join(d, f), 'utf8') });
  }
  return out;
}

/**
 * Messages per CPU-second of `fn` over `msgs`, repeated for about `seconds` of wall time. CPU
 * time (user + system of this process), not wall time: the benchmark machines share two cores
 * with other work, and wall-clock rates swing by 2x with the neighbours' load while CPU time does
 * not. Both engines are single-threaded JavaScript, so the ratio is fair either way.
 */
function rate(msgs: readonly Buffer[] | readonly string[], fn: (m: never) => unknown, seconds: number): number {
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const c0 = process.cpuUsage();
  let sink = 0;
  do {
    for (const m of msgs) {
      if (fn(m as never)) sink++;
    }
    n += msgs.length;
  } while (performance.now() < deadline);
  const cpu = process.cpuUsage(c0);
  if (sink < 0) console.log(sink); // keep results alive
  return n / ((cpu.user + cpu.system) / 1e6);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function measureCotParse(opts: { seconds?: number; rounds?: number; dir?: string } = {}): Promise<CotParseMeasurement> {
  const seconds = opts.seconds ?? 1;
  const rounds = opts.rounds ?? 3;
  const NodeCot = await loadNodeCot();
  const captures = loadCaptures(opts.dir);
  if (captures.length === 0) throw new Error(`no CoT captures under ${opts.dir ?? sharedDir}/data/cot`);

  // The same messages for both: the captures node-cot accepts (it rejects 2 of the 42 with schema errors).
  const excluded: string[] = [];
  let used = captures;
  if (NodeCot) {
    // node-cot prints its schema warnings on stdout, which would break our JSON lines.
    const saved = [console.log, console.warn, console.error] as const;
    console.log = console.warn = console.error = () => {};
    try {
      used = captures.filter((c) => {
        try {
          new NodeCot(c.xml);
          return true;
        } catch {
          excluded.push(c.name);
          return false;
        }
      });
    } finally {
      [console.log, console.warn, console.error] = saved;
    }
  }
  const strings = used.map((c) => c.xml);
  const buffers = used.map((c) => Buffer.from(c.xml)); // what the framer hands the parser
  for (const b of buffers) {
    const r = parseCot(b);
    if (!r.ok) throw new Error(`parseCot rejects a capture: ${r.reason}`);
  }
  const stream = Buffer.concat(buffers.flatMap((b) => [b, Buffer.from('\n')]));

  const ours = (b: Buffer): unknown => parseCot(b).ok;
  const theirs = NodeCot ? (s: string): unknown => new NodeCot(s) : null;
  const pipeline = (): number => {
    const f = new CotFramer();
    let n = 0;
    for (const r of f.push(stream)) if (r.kind === 'frame') {
      const p = parseCot(r.frame);
      // The caller keeps the raw frame (stored before parsing) and passes it for `other` events.
      if (p.ok && mapCot(p.event, { raw: r.frame })) n++;
    }
    return n;
  };

  // Warm-up (JIT), then alternate engines so drifting load on the shared cores hits both alike.
  rate(buffers, ours, 0.3);
  if (theirs) rate(strings, theirs, 0.3);
  rate([stream] as Buffer[], () => pipeline(), 0.3);
  const result = { ours: [] as number[], nodeCot: [] as number[], pipeline: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    result.ours.push(rate(buffers, ours, seconds));
    if (theirs) result.nodeCot.push(rate(strings, theirs, seconds));
    result.pipeline.push(rate([stream] as Buffer[], () => pipeline(), seconds) * buffers.length);
  }
  const cotParsePerS = median(result.ours);
  const nodeCotParsePerS = theirs ? median(result.nodeCot) : null;
  return {
    messages: used.length,
    excluded,
    cotParsePerS,
    nodeCotParsePerS,
    ratio: nodeCotParsePerS ? cotParsePerS / nodeCotParsePerS : null,
    pipelinePerS: median(result.pipeline),
    rounds: result,
  };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 1;
  const m = await measureCotParse({ seconds });
  const round = (x: number): number => Math.round(x);
  const common = { bench: 'ingest', messages: m.messages, excluded: m.excluded, statistic: 'median of 3', clock: 'cpu' };
  console.log(JSON.stringify({ ...common, metric: 'cot_parse_per_s', value: round(m.cotParsePerS), unit: 'messages/s', rounds: m.rounds.ours.map(round) }));
  console.log(
    JSON.stringify({ ...common, metric: 'node_cot_parse_per_s', value: m.nodeCotParsePerS === null ? null : round(m.nodeCotParsePerS), unit: 'messages/s', rounds: m.rounds.nodeCot.map(round), ...(m.nodeCotParsePerS === null && { note: '@tak-ps/node-cot is not installed' }) }),
  );
  console.log(JSON.stringify({ ...common, metric: 'cot_parse_ratio_vs_node_cot', value: m.ratio === null ? null : Math.round(m.ratio * 100) / 100, target: 3, pass: m.ratio === null ? null : m.ratio >= 3 }));
  console.log(JSON.stringify({ ...common, metric: 'cot_frame_parse_map_per_s', value: round(m.pipelinePerS), unit: 'messages/s', rounds: m.rounds.pipeline.map(round) }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.log(JSON.stringify({ bench: 'ingest', metric: 'cot_parse_per_s', error: e instanceof Error ? e.message : String(e) }));
    process.exit(1);
  });
}
