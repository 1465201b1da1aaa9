/**
 * A real `redis-server` for the queue tests and `npm run bench:sweep`: a random free port on 127.0.0.1, its own temp dir, the append-only
 * file on and fsynced on every write (so a SIGKILL loses nothing), no RDB snapshots. Stop, kill and restart on the
 * same port and dir. Missing redis-server skips the tests, except under CI (CI=true), where it fails them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.DYNAXX_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Why the Redis tests skip (undefined: they run). Throws under CI when redis-server is missing. */
export function redisSkipReason(): string | undefined {
  if (existsSync(REDIS_SERVER)) return undefined;
  const msg = `${REDIS_SERVER} is missing: install the Debian package redis-server (.ci/run does)`;
  if (process.env.CI) throw new Error(`${msg}; CI is set, so the queue tests fail instead of skipping`);
  return `${msg}; skipping the queue tests`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One PING (after AUTH when there is a password): true when the server answers PONG. */
function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
    sock.on('data', (d) => {
      data += d.toString();
      if (data.includes('+PONG')) done(true);
      else if (data.includes('-')) done(false); // LOADING, NOAUTH, ...
    });
  });
}

/** Servers still running: killed when the test process exits, even after a crash, so none outlives its tests. */
const live = new Set<ChildProcess>();
process.once('exit', () => { for (const p of live) p.kill('SIGKILL'); });

export class RedisServer {
  private proc?: ChildProcess;
  private log = '';

  private constructor(readonly port: number, readonly dir: string, readonly password?: string) {}

  static async start(o: { password?: string } = {}): Promise<RedisServer> {
    const s = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'dynaxx-redis-')), o.password);
    await s.launch();
    return s;
  }

  /** `redis://[:password@]127.0.0.1:port` */
  url(withPassword = true): string {
    return `redis://${withPassword && this.password ? `:${encodeURIComponent(this.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes',
      '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', ''];
    if (this.password) args.push('--requirepass', this.password);
    const p = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    live.add(p);
    p.once('exit', () => live.delete(p));
    p.stdout?.on('data', (d: Buffer) => { this.log = (this.log + d.toString()).slice(-4000); });
    p.stderr?.on('data', (d: Buffer) => { this.log = (this.log + d.toString()).slice(-4000); });
    const end = Date.now() + 10_000;
    while (!(await ping(this.port, this.password))) {
      if (p.exitCode !== null) throw new Error(`redis-server exited with ${p.exitCode}:\n${this.log}`);
      if (Date.now() > end) throw new Error(`redis-server on port ${this.port} did not answer PING within 10 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(sig);
    await exited;
  }

  /** SIGKILL: no shutdown save, clients see the connection drop. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Starts again on the same port and dir (the append-only file brings the data back). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }
}
