#!/usr/bin/env node
// Shim: answers --version without loading the program (start-up budget), otherwise runs dist/cli.js.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(argv);
}
