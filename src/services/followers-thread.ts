import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project';

/** What the followers thread needs to open the store and run as the serving thread would. */
export interface FollowersSettings {
  db: string;
  coalition?: string;
  fusion: boolean;
  fusionParams?: string;
  logKey?: string;
  logCheckpointS: number;
}

export type FollowersCommand = { type: 'stop' };

export type FollowersMessage = { type: 'ready' } | { type: 'stopped' } | { type: 'failed'; msg: string } | { type: 'log'; level: 'warn' | 'info'; msg: string };

const ENTRY = join(PROJECT_ROOT, 'bin', 'followers-worker.js');
/** After an unexpected exit the thread is started again after this long (then twice as long, up to a minute). */
const RESTART_MS = 1000;

/**
 * Runs fusion and the transparency log in a worker thread (see followers-worker.ts) and keeps it
 * running: a thread that dies is logged and started again, resuming from the positions stored.
 * Nothing is lost meanwhile: the change feed is in the store.
 */
export class FollowersThread {
  private worker: Worker | undefined;
  private closing = false;
  private restartMs = RESTART_MS;
  private timer: NodeJS.Timeout | undefined;
  private readyAt = 0;
  /** Set once a thread was ready: from then on a thread that dies is started again. */
  private running = false;

  constructor(
    private readonly settings: FollowersSettings,
    private readonly log: (level: 'warn' | 'info', msg: string) => void,
  ) {}

  /**
   * Resolves once the thread is following the feed; rejects if its first start fails. Later, a
   * thread that dies or fails to start again is started again, with a growing delay.
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = new Worker(ENTRY, { workerData: this.settings });
      this.worker = w;
      let ready = false;
      let failure: string | undefined;
      w.on('message', (m: FollowersMessage) => {
        if (m.type === 'ready') {
          ready = true;
          this.running = true;
          this.readyAt = Date.now();
          this.log('info', `followers thread ${w.threadId}: fusion and the transparency log follow the change feed`);
          resolve();
        } else if (m.type === 'failed') {
          failure = m.msg;
          this.log('warn', `followers thread failed to start: ${m.msg}`);
        } else if (m.type === 'log') this.log(m.level, m.msg);
      });
      w.on('error', (err) => {
        failure = err.stack ?? err.message;
        this.log('warn', `followers thread: ${failure}`);
      });
      w.on('exit', (code) => {
        if (this.worker === w) this.worker = undefined;
        if (!ready) reject(new Error(`followers thread exited (${code}) before it was ready${failure ? `: ${failure.split('\n')[0]}` : ''}`));
        // The first start failing fails the server's start (nothing to restart then).
        if (this.closing || !this.running) return;
        // A thread that ran a good while before dying starts again at once; one that keeps dying, less and less often.
        if (ready && Date.now() - this.readyAt > 60_000) this.restartMs = RESTART_MS;
        this.log('warn', `followers thread exited (${code}); starting it again in ${this.restartMs} ms`);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (!this.closing) this.start().catch((err: Error) => this.log('warn', err.message));
        }, this.restartMs);
        this.restartMs = Math.min(60_000, this.restartMs * 2);
      });
    });
  }

  /** Asks the thread to stop its services and close its connection; ends it after 10 s regardless. */
  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ type: 'stop' } satisfies FollowersCommand);
    const deadline = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(deadline);
  }
}
