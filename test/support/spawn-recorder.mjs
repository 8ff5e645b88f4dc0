// Preloaded (`node --import`) into a CLI under test: every child process it starts, by any
// child_process function, is appended to the file NEXUS_TEST_SPAWN_LOG names (one line each),
// then started as usual. Tests read the file to prove a command started nothing.
import childProcess from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const log = process.env.NEXUS_TEST_SPAWN_LOG;
if (log) {
  const record = (how, file, args) => appendFileSync(log, `${process.pid} ${how} ${String(file)} ${JSON.stringify(args ?? [])}\n`);
  // spawn, exec, execFile and fork all start through ChildProcess.prototype.spawn.
  const proto = childProcess.ChildProcess.prototype;
  const spawn = proto.spawn;
  proto.spawn = function recorded(options) {
    record('spawn', options?.file, options?.args);
    return spawn.call(this, options);
  };
  for (const name of ['spawnSync', 'execSync', 'execFileSync']) {
    const original = childProcess[name];
    childProcess[name] = function recorded(file, args, ...rest) {
      record(name, file, Array.isArray(args) ? args : []);
      return original.call(this, file, args, ...rest);
    };
  }
  syncBuiltinESMExports();
}
