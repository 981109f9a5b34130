import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBinDir, startPostgres, type Postgres } from './postgres.ts';

const run = promisify(execFile);

/** psql as a client outside the helper would run it: the connection string, a password only from `env`. */
async function psql(url: string, sql: string, env: Record<string, string> = {}) {
  const { stdout } = await run(
    path.join(postgresBinDir()!, 'psql'),
    ['--no-psqlrc', '--no-password', '--tuples-only', '--no-align', `--dbname=${url}`, `--command=${sql}`],
    { env: { PATH: process.env.PATH ?? '', PGCONNECT_TIMEOUT: '10', ...env } },
  );
  return stdout.trim();
}

/** The pids of live processes whose command line names `text` (zombies have none). */
async function processesNaming(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if ((await readFile(`/proc/${name}/cmdline`, 'latin1')).includes(text)) found.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

describe('startPostgres', () => {
  let pg: Postgres;

  beforeAll(async () => {
    pg = await startPostgres({ database: 'tfstate' });
  });
  afterAll(() => pg?.stop());

  it('answers queries in its database, rows as lists of text fields', async () => {
    await pg.query('CREATE TABLE items (id int, name text)');
    await pg.query("INSERT INTO items VALUES (1, 'a|b'), (2, NULL)");
    expect(await pg.query('SELECT id, name FROM items ORDER BY id')).toEqual([
      ['1', 'a|b'],
      ['2', ''],
    ]);
    expect(await pg.query('SELECT current_database(), current_user')).toEqual([['tfstate', pg.user]]);
    expect(await pg.query('SELECT 1 WHERE false')).toEqual([]);
    await expect(pg.query('SELECT * FROM missing')).rejects.toThrow(/relation "missing" does not exist/);
  });

  it('listens on loopback only, with its socket in its own temp dir', async () => {
    expect(await pg.query('SHOW listen_addresses')).toEqual([['127.0.0.1']]);
    const [[socketDir]] = (await pg.query('SHOW unix_socket_directories')) as [[string]];
    expect(socketDir.startsWith(tmpdir())).toBe(true);
    expect(path.dirname(socketDir)).toBe(path.dirname(pg.dataDir));
    expect(existsSync(path.join(socketDir, `.s.PGSQL.${pg.port}`))).toBe(true);
  });

  it('runs the server as an unprivileged user, never as root', async () => {
    const status = await readFile(`/proc/${await pg.pid()}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    expect(uid).not.toBe(0);
    if (process.getuid?.() === 0) {
      expect(uid).toBe(Number((await run('id', ['-u', pg.osUser])).stdout.trim()));
    }
  });

  it('lets in the password user by its connection string, and nobody without the password', async () => {
    expect(await psql(pg.connectionString(), 'SELECT current_user')).toBe(pg.user);
    // Without the password in the URL, libpq takes it from PGPASSWORD, as Terraform's pg backend does.
    const bare = pg.connectionString({ password: false });
    expect(bare).not.toContain(pg.password);
    expect(bare).toBe(`postgres://${pg.user}@127.0.0.1:${pg.port}/tfstate?sslmode=disable`);
    expect(await psql(bare, 'SELECT 1', { PGPASSWORD: pg.password })).toBe('1');
    await expect(psql(bare, 'SELECT 1', { PGPASSWORD: 'wrong-password' })).rejects.toThrow(
      /password authentication failed/,
    );
    await expect(psql(bare, 'SELECT 1')).rejects.toThrow(/no password supplied|password authentication failed/);
  });

  it('creates more databases, each reachable by its own connection string', async () => {
    await pg.createDatabase('tfstate_prod');
    expect(await psql(pg.connectionString({ database: 'tfstate_prod' }), 'SELECT current_database()')).toBe(
      'tfstate_prod',
    );
    expect(await pg.query('SELECT current_database()', 'tfstate_prod')).toEqual([['tfstate_prod']]);
  });

  it('runs beside another server, and stops leaving no process and no directory', async () => {
    const other = await startPostgres();
    const dataDir = other.dataDir;
    expect(other.port).not.toBe(pg.port);
    expect(dataDir).not.toBe(pg.dataDir);
    expect(await other.query('SELECT 1')).toEqual([['1']]);
    expect(await processesNaming(dataDir)).not.toEqual([]);
    await other.stop();
    await other.stop();
    expect(await processesNaming(dataDir)).toEqual([]);
    expect(existsSync(path.dirname(dataDir))).toBe(false);
    // The first one is untouched.
    expect(await pg.query('SELECT 1')).toEqual([['1']]);
  });
});
