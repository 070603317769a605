import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

function findOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

/**
 * Headless Chromium for the report tests (HTML reports must load without errors): CHROMIUM_BIN, then PATH, else
 * Debian's `chromium` package when we may install packages (root with apt-get). Test tools' own browser downloads
 * need the open internet, which CI machines here do not have.
 */
export function resolveChromium(log: (m: string) => void = () => undefined): string {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  const found = findOnPath();
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (!canInstall) {
    throw new Error('Chromium is not installed: install Debian/Ubuntu package "chromium" (or set CHROMIUM_BIN).');
  }
  log('installing Debian package chromium (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, encoding: 'utf8' });
  const installed = findOnPath();
  if (install.status !== 0 || !installed) {
    throw new Error(
      `apt-get install chromium failed: ${(install.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`,
    );
  }
  return installed;
}
