import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';

const run = promisify(execFile);

/** A TCP port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where the server binaries are: MARIADBD / MARIADB_INSTALL_DB, else the Debian/Ubuntu paths. */
function binaries() {
  return {
    server: process.env.MARIADBD ?? ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((path) => existsSync(path)) ?? 'mariadbd',
    installDb: process.env.MARIADB_INSTALL_DB ?? 'mariadb-install-db',
  };
}

/**
 * Small InnoDB settings: the datadir lives in /tmp for the length of one test file, and the
 * default 96 MB redo log would make every start and crash recovery slower for nothing.
 */
const INNODB = ['--innodb-log-file-size=8M', '--innodb-data-file-path=ibdata1:4M:autoextend', '--innodb-buffer-pool-size=32M'];

/**
 * A MariaDB server of the test's own (own datadir, own port), so a test can stop, kill or freeze
 * the database under a running app without touching the shared server other suites use.
 * Data is durable across stop/kill and start (same datadir): a kill is a real crash, and the
 * next start runs InnoDB crash recovery.
 */
export class PrivateMariaDb {
  private process?: ChildProcess;
  private exited?: Promise<void>;
  private paused = false;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  readonly host = '127.0.0.1';
  readonly user = 'root';
  readonly password = '';

  /** Initialises a fresh datadir (about 1 s) and starts the server on a free port. */
  static async create(): Promise<PrivateMariaDb> {
    const dir = await mkdtemp(join(tmpdir(), 'wish-mariadb-'));
    try {
      await run(binaries().installDb, [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...INNODB,
      ]);
      const server = new PrivateMariaDb(dir, await freePort());
      await server.start();
      return server;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  get frozen(): boolean {
    return this.paused;
  }

  /** Starts the server on the existing datadir and waits until it accepts queries. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.process) throw new Error('private MariaDB already running');
    const child = spawn(
      binaries().server,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--skip-log-bin',
        '--max-connections=200',
        ...INNODB,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr!.on('data', (chunk) => (log = (log + String(chunk)).slice(-4000)));
    this.process = child;
    this.paused = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.process === child) this.process = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.process) throw new Error(`private MariaDB exited during start:\n${log}`);
      try {
        const connection = await createConnection({ host: this.host, port: this.port, user: this.user, password: this.password, connectTimeout: 1000 });
        await connection.query('SELECT 1');
        await connection.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          await this.kill();
          throw new Error(`private MariaDB did not accept connections within ${timeoutMs} ms: ${(error as Error).message}\n${log}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Clean shutdown (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** A crash: SIGKILL, no shutdown, no flush beyond what InnoDB already made durable. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    if (!this.process) throw new Error('private MariaDB not running');
    this.process.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.process) throw new Error('private MariaDB not running');
    this.process.kill('SIGCONT');
    this.paused = false;
  }

  /** Runs statements as root on this server (creating databases, checking invariants). */
  async query<T = unknown>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
    const connection = await createConnection({ host: this.host, port: this.port, user: this.user, password: this.password, database, connectTimeout: 3000 });
    try {
      const [rows] = await connection.query(sql, params);
      return rows as T;
    } finally {
      await connection.end();
    }
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }

  /** Kills the server if it still runs and removes the datadir. Safe to call in any state. */
  async destroy(): Promise<void> {
    if (this.process) await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child) return;
    // A stopped process does not act on SIGTERM until it is continued.
    if (this.paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    await this.exited;
    this.process = undefined;
    this.paused = false;
  }
}
