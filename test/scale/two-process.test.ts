import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationInput } from '../support/factories';
import { createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from '../contract/postgres-test-db';
import { ServerProcess, SseStream, type SseEvent } from './server-process';

/**
 * Scale-out: two real server processes on one PostgreSQL database. A change committed through
 * one reaches the live stream of the other, and a dropped stream resumes from Last-Event-ID with
 * every missed event exactly once, in order.
 */
const probe = await probePostgres();

if (!probe.reachable && inCi) {
  describe('two server processes on one PostgreSQL database', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}). CI runs scripts/ensure-services.sh first; set TRUCELINE_TEST_PG to point elsewhere.`);
    });
  });
}

type StreamData = { op: string; id: string; at: string; record?: { id: string } & Record<string, unknown> };
const dataOf = (e: SseEvent): StreamData => JSON.parse(e.data) as StreamData;
const idsOf = (s: SseStream): string[] => s.events.filter((e) => e.event === 'observation').map((e) => dataOf(e).id);
const connected = (s: SseStream) => s.comments.some((c) => c.startsWith('connected at seq'));

describe.skipIf(!probe.reachable)(pgTitle('two server processes on one PostgreSQL database', probe), () => {
  let db: TestDatabase | undefined;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  const streams: SseStream[] = [];
  const openStream = async (server: ServerProcess, headers?: Record<string, string>) => {
    const s = await SseStream.open(`${server.baseUrl}/api/stream`, { ...server.auth, ...headers });
    streams.push(s);
    await s.until(connected, 10_000, 'the connected comment');
    return s;
  };
  const post = async (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await fetch(`${a!.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...a!.auth }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    // Started together: both migrate the empty database at once.
    [a, b] = await Promise.all([ServerProcess.start('server A', db.url), ServerProcess.start('server B', db.url)]);
  });

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it("streams an observation posted to A on B's live stream, with the record, under the same seq", async () => {
    const onB = await openStream(b!);
    const onA = await openStream(a!);
    const input = observationInput({ notes: 'posted to A' });
    const res = await post(input);
    expect(res.status).toBe(201);
    await onB.until((s) => idsOf(s).includes(input.id), 10_000, 'the observation on B');
    await onA.until((s) => idsOf(s).includes(input.id), 10_000, 'the observation on A');
    const event = onB.events.find((e) => e.event === 'observation' && dataOf(e).id === input.id)!;
    const data = dataOf(event);
    expect(data.op).toBe('created');
    expect(Number.isNaN(Date.parse(data.at))).toBe(false);
    // The stream carries the observation as stored; the API's answer adds its latest judgement.
    const { judgement: _judgement, ...stored } = res.json;
    expect(data.record).toEqual(stored);
    expect(data.record?.notes).toBe('posted to A');
    expect(Number(event.id)).toBeGreaterThan(0);
    expect(onA.events.find((e) => e.event === 'observation' && dataOf(e).id === input.id)?.id).toBe(event.id);
  });

  it('resumes a dropped stream on B from Last-Event-ID with every missed event exactly once, in order', async () => {
    const first = await openStream(b!);
    const before = observationInput();
    expect((await post(before)).status).toBe(201);
    await first.until((s) => idsOf(s).includes(before.id), 10_000, 'the first observation on B');
    const lastId = first.events.find((e) => dataOf(e).id === before.id)!.id!;
    await first.close();

    // Missed while disconnected: single posts and a batch, in this order.
    const missed = Array.from({ length: 7 }, () => observationInput());
    for (const o of missed.slice(0, 3)) expect((await post(o)).status).toBe(201);
    const batch = await post({ observations: missed.slice(3) });
    expect(batch.status).toBe(200);
    expect(batch.json.created).toBe(4);
    // A re-post (duplicate) publishes nothing.
    expect((await post(missed[0])).status).toBe(200);

    const resumed = await openStream(b!, { 'last-event-id': lastId });
    await resumed.until((s) => missed.every((o) => idsOf(s).includes(o.id)), 10_000, 'the missed observations');
    // A sentinel after the replay: everything before it has arrived, so duplicates would show.
    const sentinel = observationInput();
    expect((await post(sentinel)).status).toBe(201);
    await resumed.until((s) => idsOf(s).includes(sentinel.id), 10_000, 'the sentinel');

    expect(idsOf(resumed)).toEqual([...missed.map((o) => o.id), sentinel.id]);
    const seqs = resumed.events.map((e) => Number(e.id));
    expect(seqs.every((q, i) => q > Number(lastId) && (i === 0 || q > seqs[i - 1]!))).toBe(true);
    expect(resumed.events.every((e) => dataOf(e).record?.id === dataOf(e).id)).toBe(true);
  });
});
