import { benchViaAgent } from './agent/bench.ts';
const r = await benchViaAgent({ records: 300000, engine: true });
console.log(JSON.stringify(r));
