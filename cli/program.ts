import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { PROJECT_ROOT } from '../lib/config/paths';
import { CliApiError } from './client';
import { messageWithoutIssues } from './flags';
import { registerBatchCommands } from './commands/batch';
import { registerFeatureCommands } from './commands/features';
import { registerKeyCommands } from './commands/keys';
import { registerModelCommands } from './commands/models';
import { registerRunCommands } from './commands/runs';
import { registerRunFailureCommands } from './commands/run-failures';
import { registerScheduleCommands } from './commands/schedules';
import { registerTrackingCommands } from './commands/tracking';
import { registerShadowCommands } from './commands/shadow';
import { registerSpecCommands } from './commands/spec';
import type { CliContext } from './context';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function createProgram(ctx: CliContext): Command {
  const program = new Command('mlops')
    .description('Run, schedule, approve and serve ML pipelines through the mlops API')
    .version(packageVersion())
    .option('--api-url <url>', 'API base URL (or MLOPS_API_URL)', ctx.env.MLOPS_API_URL ?? 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'API key (prefer MLOPS_API_KEY: flags show up in process lists)')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out.write(s), writeErr: (s) => ctx.io.err.write(s) });
  registerRunCommands(program, ctx);
  registerRunFailureCommands(program, ctx);
  registerTrackingCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerFeatureCommands(program, ctx);
  registerBatchCommands(program, ctx);
  registerShadowCommands(program, ctx);
  registerSpecCommands(program, ctx);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs one command line; returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync(args, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; usage mistakes were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliApiError) {
      const where = err.status ? ` (HTTP ${err.status})` : '';
      const issues = (err.details.issues as Array<{ path: string; message: string }> | undefined) ?? [];
      ctx.io.err.write(`error: ${err.code}${where}: ${messageWithoutIssues(err.message, issues)}\n`);
      for (const issue of issues) ctx.io.err.write(`  - ${issue.path}: ${issue.message}\n`);
      return 1;
    }
    ctx.io.err.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}
