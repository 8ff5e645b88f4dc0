/** Test fixture for embedded.test.ts: start the embedded server, print its postmaster pid, wait for a signal. */
import { openDatabase } from './embedded.ts';

const db = await openDatabase({ dataDir: process.argv[2]! });
const { rows } = await db.pool.query<{ pid: string }>("SELECT (pg_read_file('postmaster.pid')::text) AS pid");
process.stdout.write(`ready ${Number.parseInt(rows[0]!.pid.split('\n')[0]!, 10)}\n`);
setInterval(() => undefined, 1000);
