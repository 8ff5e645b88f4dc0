/**
 * Test fixture for embedded.test.ts, run as a child process.
 *   <dataDir>              start, print "ready <postmaster pid>", wait for a signal
 *   <dataDir> exit-code    start, query, close, and leave process.exitCode = 3
 */
import { openDatabase } from './embedded.ts';

const db = await openDatabase({ dataDir: process.argv[2]! });
if (process.argv[3] === 'exit-code') {
  await db.pool.query('SELECT 1');
  await db.close();
  process.exitCode = 3;
} else {
  const { rows } = await db.pool.query<{ pid: string }>("SELECT (pg_read_file('postmaster.pid')::text) AS pid");
  process.stdout.write(`ready ${Number.parseInt(rows[0]!.pid.split('\n')[0]!, 10)}\n`);
  setInterval(() => undefined, 1000);
}
