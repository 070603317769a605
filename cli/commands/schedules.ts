import type { Command } from 'commander';
import type { ScheduleDetail, ScheduleSummary } from '../../api/schemas/schedules';
import { collect, commandApi, parseParams, type CliContext } from '../context';
import { withFlagNames } from '../flags';
import { printFields, printJson, printTable } from '../output';

/** The body fields `schedules create` / `update` fill, by the flag that sets them (for the API's error messages). */
const SCHEDULE_FLAGS = {
  scheduleId: '--id',
  cron: '--cron',
  interval: '--every',
  overlap: '--overlap',
  catchupWindow: '--catchup-window',
  paused: '--paused',
  note: '--note',
};

function summaryRow(s: ScheduleSummary) {
  return {
    id: s.scheduleId,
    pipeline: s.pipeline,
    timing: s.cron ? `cron ${s.cron}` : `every ${s.interval}`,
    state: s.paused ? 'paused' : 'active',
    next: s.nextRunTimes[0] ?? null,
    lastRun: s.recentRuns.at(-1)?.runId ?? null,
  };
}

function printSchedule(ctx: CliContext, s: ScheduleDetail): void {
  printFields(ctx.io, {
    ...summaryRow(s),
    overlap: s.overlap,
    catchupWindow: `${s.catchupWindowMs / 1000}s`,
    note: s.note,
    params: s.params,
    actionsTaken: s.actionsTaken,
    nextRuns: s.nextRunTimes.slice(0, 3).join(', '),
    recentRuns: s.recentRuns.map((r) => r.runId).join(', ') || null,
  });
}

export function registerScheduleCommands(program: Command, ctx: CliContext): void {
  const schedules = program.command('schedules').description('recurring retraining (Temporal Schedules)');
  const path = (id: string, action = '') => `/v1/schedules/${encodeURIComponent(id)}${action}`;
  const show = (command: Command, detail: ScheduleDetail) => {
    if (commandApi(ctx, command).json) printJson(ctx.io, detail);
    else printSchedule(ctx, detail);
  };

  schedules
    .command('create <pipeline>')
    .description("create a schedule; without --cron or --every the spec's schedule section is used")
    .option('--id <scheduleId>', 'schedule id (default: <pipeline>-retrain)')
    .option('--cron <expression>', 'cron expression in UTC, e.g. "0 3 * * 1"')
    .option('--every <interval>', "interval such as '6h' or '1d'")
    .option('--overlap <policy>', 'SKIP (default), BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER, ALLOW_ALL')
    .option('--catchup-window <duration>', "how late a missed run may still start after an outage (default '1h')")
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .option('-p, --param <key=value>', 'override a spec field for every run (repeatable)', collect, [])
    .action(async (pipeline: string, o: Record<string, string | boolean | string[] | undefined>, command: Command) => {
      const { client } = commandApi(ctx, command);
      const create = () =>
        client.request<ScheduleDetail>('POST', '/v1/schedules', {
          body: {
            pipeline,
            scheduleId: o.id,
            cron: o.cron,
            interval: o.every,
            overlap: o.overlap,
            catchupWindow: o.catchupWindow,
            paused: o.paused === true ? true : undefined,
            note: o.note,
            params: parseParams((o.param as string[]) ?? []),
          },
        });
      show(command, await withFlagNames(SCHEDULE_FLAGS, create));
    });

  schedules
    .command('list')
    .description('pipeline schedules with their next run')
    .option('--pipeline <name>', 'only this pipeline')
    .action(async (o: { pipeline?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request<{ items: ScheduleSummary[] }>('GET', '/v1/schedules', {
        query: { pipeline: o.pipeline },
      });
      if (json) printJson(ctx.io, result);
      else printTable(ctx.io, result.items.map(summaryRow), ['id', 'pipeline', 'timing', 'state', 'next', 'lastRun']);
    });

  schedules
    .command('get <scheduleId>')
    .description('timing, policies, next run times and recent runs')
    .action(async (id: string, _o: unknown, command: Command) => {
      show(command, await commandApi(ctx, command).client.request<ScheduleDetail>('GET', path(id)));
    });

  schedules
    .command('update <scheduleId>')
    .description('change timing, overlap policy, catch-up window or note')
    .option('--cron <expression>', 'new cron expression (replaces the interval)')
    .option('--every <interval>', 'new interval (replaces the cron expression)')
    .option('--overlap <policy>', 'new overlap policy')
    .option('--catchup-window <duration>', 'new catch-up window')
    .option('--note <text>', 'new note')
    .action(async (id: string, o: Record<string, string | undefined>, command: Command) => {
      const body = {
        cron: o.cron,
        interval: o.every,
        overlap: o.overlap,
        catchupWindow: o.catchupWindow,
        note: o.note,
      };
      const { client } = commandApi(ctx, command);
      show(
        command,
        await withFlagNames(SCHEDULE_FLAGS, () => client.request<ScheduleDetail>('PATCH', path(id), { body })),
      );
    });

  for (const verb of ['pause', 'unpause'] as const) {
    schedules
      .command(`${verb} <scheduleId>`)
      .description(verb === 'pause' ? 'stop starting runs until unpaused' : 'start runs again')
      .option('--note <text>', 'why')
      .action(async (id: string, o: { note?: string }, command: Command) => {
        show(
          command,
          await commandApi(ctx, command).client.request<ScheduleDetail>('POST', path(id, `/${verb}`), {
            body: { note: o.note },
          }),
        );
      });
  }

  schedules
    .command('trigger <scheduleId>')
    .description('start a run now')
    .option('--overlap <policy>', "override the schedule's overlap policy for this run")
    .action(async (id: string, o: { overlap?: string }, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      const result = await client.request('POST', path(id, '/trigger'), { body: { overlap: o.overlap } });
      if (json) printJson(ctx.io, result);
      else ctx.io.out.write(`${id}: triggered\n`);
    });

  schedules
    .command('delete <scheduleId>')
    .description('delete the schedule (runs it started keep running)')
    .action(async (id: string, _o: unknown, command: Command) => {
      const { client, json } = commandApi(ctx, command);
      await client.request('DELETE', path(id));
      if (json) printJson(ctx.io, { scheduleId: id, deleted: true });
      else ctx.io.out.write(`${id}: deleted\n`);
    });
}
