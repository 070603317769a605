#!/usr/bin/env node
// `mlops` (npm run mlops -- ..., or the built bin): the command-line client of the API.
import { exitWhenPipeCloses } from './output';
import { runCli } from './program';

exitWhenPipeCloses(process.stdout, (code) => process.exit(code));

runCli(process.argv.slice(2), {
  io: { out: process.stdout, err: process.stderr, interactive: Boolean(process.stderr.isTTY) },
  env: process.env,
  exitCode: 0,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
