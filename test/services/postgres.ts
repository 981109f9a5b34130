import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

// A real PostgreSQL on loopback for a test: the `pg` backend of Terraform, with
// real state locking (advisory locks), as S3 + DynamoDB give it in production.
// Debian's server binaries (package `postgresql`) are not on PATH: they live in
// /usr/lib/postgresql/<major>/bin. Each server has its own data directory,
// socket directory and port in a temp dir, so several test files can each
// start one at the same time.
//
// initdb and postgres refuse to run as root. When the tests run as root (they
// do: dockerd, sshd), the server's commands run as the `postgres` system user
// the Debian package creates (else `nobody`) through `runuser -u <user> --`,
// which execs the command with that user's ids and keeps the environment (so
// the test run's marker reaches the server, and a leftover is found). The temp
// dir is handed to that user; as any other user, the commands run directly.

export interface Postgres {
  host: '127.0.0.1';
  port: number;
  /** A superuser with a password (scram-sha-256: no login without it). */
  user: string;
  password: string;
  /** A database of its own for the test, e.g. the backend's. */
  database: string;
  /**
   * `postgres://user:password@127.0.0.1:port/<database>?sslmode=disable`: the
   * `pg` backend's `conn_str`. With `password: false`, without the password,
   * which then comes from PGPASSWORD (Terraform's pg backend reads libpq's
   * environment variables): a `conn_str` given at init is kept in every plan file.
   */
  connectionString(options?: { database?: string; password?: boolean }): string;
  /** Creates another database (e.g. one per environment). */
  createDatabase(name: string): Promise<void>;
  /** The server's data directory (in the temp dir that stop() removes). */
  dataDir: string;
  /** The user the server runs as. */
  osUser: string;
  /** The server's pid (the postmaster). */
  pid(): Promise<number>;
  /**
   * Runs SQL with psql (ON_ERROR_STOP) in `database` (default: the test's);
   * the rows of the last statement, each a list of its fields as text (NULL
   * as the empty string).
   */
  query(sql: string, database?: string): Promise<string[][]>;
  /** Stops the server (fast shutdown, waited for) and removes its directory. */
  stop(): Promise<void>;
}

const MISSING = 'install the Debian package postgresql (its server binaries live in /usr/lib/postgresql/<version>/bin)';
const run = promisify(execFile);

// A test that fails before stop() would leave a server running: the server is
// a daemon (pg_ctl detaches it), so it is stopped when the test process exits.
const running = new Map<string, () => void>();
process.once('exit', () => {
  for (const stopNow of running.values()) stopNow();
});

/** The directory of the newest installed PostgreSQL's server binaries. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : undefined;
}

export async function startPostgres(options: { database?: string } = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is missing: ${MISSING}`);
  const owner = await serverUser();
  const root = await mkdtemp(path.join(tmpdir(), 'postgres-'));
  try {
    return await startIn(root, bin, owner, options.database ?? 'terraform');
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

interface ServerUser {
  name: string;
  uid: number;
  gid: number;
  /** The command line prefix that runs a command as this user. */
  prefix: string[];
}

async function serverUser(): Promise<ServerUser> {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { name: String(uid), uid, gid: process.getgid?.() ?? 0, prefix: [] };
  for (const name of ['postgres', 'nobody']) {
    try {
      const [id, group] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
      return {
        name,
        uid: Number(id.stdout.trim()),
        gid: Number(group.stdout.trim()),
        prefix: ['runuser', '-u', name, '--'],
      };
    } catch {
      // no such user
    }
  }
  throw new Error('PostgreSQL refuses to run as root, and there is no `postgres` or `nobody` user to run it as');
}

async function startIn(root: string, bin: string, owner: ServerUser, database: string): Promise<Postgres> {
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'postgres.log');
  const passwordFile = path.join(root, 'password');
  const user = 'terraform';
  const password = randomBytes(18).toString('hex');
  await mkdir(socketDir, { mode: 0o700 });
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // The server user owns everything under the temp dir (which stays 0700).
  for (const entry of [root, socketDir, passwordFile]) await chown(entry, owner.uid, owner.gid);
  await chmod(root, 0o700);

  const asOwner = async (command: string, args: string[], timeout = 60_000) => {
    const [file, ...prefix] = [...owner.prefix, path.join(bin, command)];
    try {
      return await run(file!, [...prefix, ...args], { cwd: root, timeout, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const failure = error as Error & { stderr?: string; stdout?: string };
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(
        `${command} ${args[0] ?? ''} failed: ${(failure.stderr || failure.stdout || failure.message).trim()}${log ? `\n${log}` : ''}`,
        { cause: error },
      );
    }
  };

  await asOwner('initdb', [
    `--pgdata=${dataDir}`,
    `--username=${user}`,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  await rm(passwordFile);
  await writeFile(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      // A throwaway server: durability buys nothing and costs seconds.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
    { flag: 'a' },
  );

  // Between freePort closing its socket and the server binding, another test
  // may take the port: the start fails, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await asOwner('pg_ctl', [
        'start',
        `--pgdata=${dataDir}`,
        `--log=${logFile}`,
        '--wait',
        '--timeout=30',
        `--options=-p ${port}`,
      ]);
    } catch (error) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (/Address already in use/i.test(log) && attempt < 5) {
        await writeFile(logFile, '');
        continue;
      }
      throw error;
    }
    const stopNow = () => {
      try {
        const [file, ...args] = [...owner.prefix, path.join(bin, 'pg_ctl')];
        execFileSync(file!, [...args, 'stop', `--pgdata=${dataDir}`, '--mode=immediate', '--wait'], {
          stdio: 'ignore',
          timeout: 30_000,
        });
      } catch {
        // not running
      }
      rmSync(root, { recursive: true, force: true });
    };
    running.set(root, stopNow);

    const psql = async (sql: string, db: string) => {
      try {
        const { stdout } = await run(
          path.join(bin, 'psql'),
          [
            '--no-psqlrc',
            // Never a password prompt: it would wait for a terminal.
            '--no-password',
            '--quiet',
            '--no-align',
            '--tuples-only',
            '--field-separator=\x1f',
            '--record-separator=\x1e',
            '--set=ON_ERROR_STOP=1',
            `--host=127.0.0.1`,
            `--port=${port}`,
            `--username=${user}`,
            `--dbname=${db}`,
            `--command=${sql}`,
          ],
          // The password through the environment, never on a command line.
          { env: { PATH: process.env.PATH ?? '', PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' } },
        );
        const text = stdout.replace(/\n$/, '');
        return text ? text.split('\x1e').map((row) => row.split('\x1f')) : [];
      } catch (error) {
        const failure = error as Error & { stderr?: string };
        throw new Error(`psql failed: ${(failure.stderr || failure.message).trim()}\n  SQL: ${sql}`, { cause: error });
      }
    };
    try {
      await psql(`CREATE DATABASE "${database}"`, 'postgres');
    } catch (error) {
      stopNow();
      running.delete(root);
      throw error;
    }

    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      database,
      connectionString: ({ database: db = database, password: withPassword = true } = {}) =>
        `postgres://${user}${withPassword ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${db}?sslmode=disable`,
      async createDatabase(name) {
        await psql(`CREATE DATABASE "${name}"`, 'postgres');
      },
      dataDir,
      osUser: owner.name,
      async pid() {
        // The first line of postmaster.pid.
        return Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      },
      query: (sql, db = database) => psql(sql, db),
      stop() {
        stopped ??= (async () => {
          try {
            await asOwner('pg_ctl', ['stop', `--pgdata=${dataDir}`, '--mode=fast', '--wait', '--timeout=30']);
          } finally {
            running.delete(root);
            await rm(root, { recursive: true, force: true });
          }
        })();
        return stopped;
      },
    };
  }
}
