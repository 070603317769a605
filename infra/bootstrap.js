#!/usr/bin/env node
// First step of every npm entry point (`npm test`, `npm run demo`, `npm run stack`): make sure node_modules matches
// package-lock.json, so that a fresh clone needs no separate install step. Plain CommonJS with no dependencies,
// because it runs before anything is installed.
'use strict';

const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const quiet = process.argv.includes('--quiet');
const lockFile = join(root, 'package-lock.json');
const stampFile = join(root, 'node_modules', '.mlops-install-stamp');

function fail(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
  process.exit(1);
}

function checkNodeVersion() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(
      `Node ${process.versions.node} is too old: install Node 20.19 or newer (see .nvmrc), then run the command again.`,
    );
  }
}

function installFingerprint() {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(root, 'package.json')));
  if (existsSync(lockFile)) hash.update(readFileSync(lockFile));
  hash.update(process.versions.node.split('.')[0]);
  return hash.digest('hex');
}

function ensureInstalled() {
  const fingerprint = installFingerprint();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === fingerprint) {
    if (!quiet) process.stdout.write('bootstrap: node_modules is up to date\n');
    return;
  }
  const args = existsSync(lockFile) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  process.stdout.write(`bootstrap: installing packages (npm ${args[0]})...\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    fail(`'npm ${args.join(' ')}' failed (exit ${result.status}). Check the npm registry is reachable, then retry.`);
  }
  // The stamp is written after the install, so fingerprint the lock file the install may have rewritten.
  writeFileSync(stampFile, installFingerprint());
}

checkNodeVersion();
ensureInstalled();
