#!/usr/bin/env node
// Shim: answers --version without loading the program (start-up budget), otherwise runs the
// program: the bundle in dist/bundle/ (scripts/bundle.mjs: one main chunk instead of ~150 modules,
// compiled from a V8 code cache; see load.cjs), or dist/cli.js when a build stopped after tsc.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  let main;
  try {
    const { createRequire } = await import('node:module');
    const bundled = createRequire(import.meta.url)('./load.cjs').loadProgram(new URL('..', import.meta.url).pathname);
    ({ main } = bundled ?? (await import('../dist/cli.js')));
  } catch (e) {
    // a missing or broken build: ddp's problem, never the user's input (exit 2, no stack trace)
    process.stderr.write(`ddp: internal error: cannot load the program (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n` +
      'The installation is incomplete: run `npm run build` in a checkout, or reinstall ddp. If that does not help, please report it.\n');
    process.exitCode = 2;
  }
  if (main) process.exitCode = await main(argv);
}
