import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/open-store';
import { testUser } from '../support/auth';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A mechanism analyst's token on a served store, made in this process on the same database as
 * `truceline user add` + `token create` would (after the server migrated it).
 */
export async function provisionAnalyst(db: string): Promise<{ authorization: string }> {
  const store = await openStore(db);
  try {
    return (await testUser(store, { roles: ['analyst', 'monitor'] })).headers;
  } finally {
    await store.close();
  }
}

/** A real `truceline serve` child process on a free port. */
export class ServerProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {}

  baseUrl = '';
  /** A mechanism analyst's Authorization header for this server's store. */
  auth: { authorization: string } = { authorization: '' };
  /** The CoT (TAK) port, when started with `--cot-port`. */
  cotPort = 0;

  static async start(name: string, db: string, timeoutMs = 60_000, extraArgs: string[] = ['--no-cot']): Promise<ServerProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'truceline.js'), 'serve', '--db', db, '--port', '0', '--host', '127.0.0.1', '--no-demo', '--no-web', ...extraArgs], {
      cwd: ROOT,
      env: { ...process.env, TRUCELINE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, name);
    const collect = (b: Buffer) => {
      server.output = (server.output + b.toString('utf8')).slice(-20_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    try {
      server.baseUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms`)), timeoutMs);
        const onData = () => {
          const m = /Truceline serving (http:\/\/[^\s"]+:\d+)/.exec(server.output);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
            resolve(m[1]!);
          }
        };
        child.stdout!.on('data', onData);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code ?? signal}) before serving`));
        });
      });
      server.cotPort = Number(/CoT \(TAK\) listening on tcp:\/\/[^\s:]+:(\d+)/.exec(server.output)?.[1] ?? 0);
      await server.waitHealthy(timeoutMs);
      server.auth = await provisionAnalyst(db);
    } catch (err) {
      await server.stop();
      throw new Error(`${(err as Error).message}\n--- ${name} output ---\n${server.output}`, { cause: err });
    }
    return server;
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await fetch(`${this.baseUrl}/api/health`);
        if (r.ok && ((await r.json()) as { status?: string }).status === 'ok') return;
      } catch {
        // not yet
      }
      if (Date.now() > until) throw new Error(`${this.name}: /api/health did not answer ok`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get log(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL if it has not exited after a grace period. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects events and comments; closing drops the connection. */
export class SseStream {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const s = new SseStream();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: s.abort.signal });
    if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
    s.done = s.read(res.body);
    return s;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.failure = err as Error;
    }
  }

  private parseBlock(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else continue;
      any = true;
    }
    if (any && data.length) this.events.push({ id, event, data: data.join('\n') });
  }

  /** Resolves once `predicate` holds over what arrived so far. */
  async until(predicate: (s: SseStream) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (this.failure) throw this.failure;
      if (Date.now() > until) throw new Error(`SSE: timed out waiting for ${what}; got ${this.events.length} events: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
