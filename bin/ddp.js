#!/usr/bin/env node
// Shim: answers --version without loading the program (start-up budget), otherwise runs the
// program: the bundle in dist/bundle/ (scripts/bundle.mjs: one main chunk instead of ~150 modules,
// compiled from a V8 code cache; see load.cjs), or dist/cli.js when a build stopped after tsc.
// CommonJS (bin/package.json): Node starts a CommonJS entry point ~10 ms sooner than an ES module.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version + '\n');
} else {
  run();
}

async function run() {
  let main;
  try {
    const bundled = require('./load.cjs').loadProgram(join(__dirname, '..'));
    ({ main } = bundled ?? (await import('../dist/cli.js')));
  } catch (e) {
    // a missing or broken build: ddp's problem, never the user's input (exit 2, no stack trace)
    process.stderr.write(`ddp: internal error: cannot load the program (${e instanceof Error ? e.message.split('\n')[0] : String(e)})\n` +
      'The installation is incomplete: run `npm run build` in a checkout, or reinstall ddp. If that does not help, please report it.\n');
    process.exitCode = 2;
  }
  if (!main) return;
  const code = await main(argv);
  // Leave now instead of after V8's teardown (waiting for background compiler jobs, unmapping the
  // heap: ~5-10 ms of a short run) -- but only once stdout and stderr have handed every byte to
  // the OS: on POSIX a pipe is written asynchronously, and exiting with data queued would cut it.
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  process.exitCode = code;
}
