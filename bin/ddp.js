#!/usr/bin/env node
// Shim: answers --version without loading the program (start-up budget), otherwise runs the
// program: dist/bundle/cli.mjs (scripts/bundle.mjs: one file instead of ~150, ~60 ms less per run),
// or dist/cli.js when a build stopped after tsc.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  let main;
  try {
    ({ main } = await import('../dist/bundle/cli.mjs').catch((e) => {
      if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bundle/cli.mjs')) return import('../dist/cli.js');
      throw e;
    }));
  } catch (e) {
    // a missing or broken build: ddp's problem, never the user's input (exit 2, no stack trace)
    process.stderr.write(`ddp: internal error: cannot load the program (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n` +
      'The installation is incomplete: run `npm run build` in a checkout, or reinstall ddp. If that does not help, please report it.\n');
    process.exitCode = 2;
  }
  if (main) process.exitCode = await main(argv);
}
