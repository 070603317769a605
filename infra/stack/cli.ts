import { stackDown, stackStatus, stackUp, type ServiceState } from './index';

const USAGE = 'usage: npm run stack -- up | down | status';

function describe(state: ServiceState): string {
  const urls = Object.entries(state.urls).map(([k, v]) => `${k}=${v}`);
  const pid = state.pid ? ` pid ${state.pid}` : '';
  return `${urls.join('  ')}${pid}${state.owned ? '' : ' (external, not managed)'}`;
}

async function main(command: string | undefined): Promise<number> {
  const log = (m: string) => console.log(`  ${m}`);
  switch (command) {
    case 'up': {
      const results = await stackUp(log);
      for (const r of results) console.log(`${r.service.padEnd(9)} ${r.action.padEnd(8)} ${describe(r.state)}`);
      const ui = results.find((r) => r.service === 'temporal')?.state.urls.ui;
      if (ui) console.log(`\nTemporal Web UI: ${ui}`);
      console.log('Stop with: npm run stack -- down');
      return 0;
    }
    case 'down': {
      const stopped = await stackDown(log);
      console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing of ours was running');
      return 0;
    }
    case 'status': {
      const statuses = await stackStatus();
      for (const s of statuses) {
        console.log(`${s.service.padEnd(9)} ${s.status.padEnd(14)} ${s.state ? describe(s.state) : ''}`);
      }
      return statuses.every((s) => s.status === 'up') ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
