import type { ApiDeps } from '../deps';
import { defineRoute } from '../http/route';
import {
  CreateScheduleBody,
  ListSchedulesQuery,
  ListSchedulesResponse,
  PauseBody,
  ScheduleDetail,
  ScheduleIdParams,
  TriggerBody,
  TriggerResponse,
  UpdateScheduleBody,
} from '../schemas/schedules';
import {
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  setSchedulePaused,
  triggerSchedule,
  updateSchedule,
} from '../services/schedules';

const READ = { role: 'viewer' } as const;
const OPERATE = { role: 'operator' } as const;

function pauseRoute(deps: ApiDeps, paused: boolean) {
  const verb = paused ? 'pause' : 'unpause';
  return defineRoute({
    operationId: `${verb}Schedule`,
    method: 'post',
    path: `/v1/schedules/:scheduleId/${verb}`,
    summary: paused ? 'Pause a schedule (no runs start until unpaused)' : 'Unpause a schedule',
    tags: ['schedules'],
    access: OPERATE,
    request: { params: ScheduleIdParams, body: PauseBody },
    responses: { 200: ScheduleDetail },
    errors: [400, 401, 403, 404],
    async handle({ params, body, principal }) {
      const detail = await setSchedulePaused(deps, {
        scheduleId: params.scheduleId,
        paused,
        note: body.note,
        principal,
      });
      return { status: 200, body: detail };
    },
  });
}

export function scheduleRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      operationId: 'createSchedule',
      method: 'post',
      path: '/v1/schedules',
      summary: 'Create a recurring retraining schedule (Temporal Schedule)',
      description: 'Overlap policy defaults to SKIP: a run that is due while the previous one still runs is skipped.',
      tags: ['schedules'],
      access: OPERATE,
      request: { body: CreateScheduleBody },
      responses: { 201: ScheduleDetail },
      errors: [400, 401, 403, 404, 409],
      async handle({ body, principal }) {
        const detail = await createSchedule(deps, body, principal);
        return { status: 201, body: detail, headers: { Location: detail.links.self as string } };
      },
    }),
    defineRoute({
      operationId: 'listSchedules',
      method: 'get',
      path: '/v1/schedules',
      summary: 'List pipeline schedules with their next run times',
      tags: ['schedules'],
      access: READ,
      request: { query: ListSchedulesQuery },
      responses: { 200: ListSchedulesResponse },
      errors: [400, 401, 403],
      async handle({ query }) {
        const items = await listSchedules(deps, query);
        return { status: 200, body: { items } };
      },
    }),
    defineRoute({
      operationId: 'getSchedule',
      method: 'get',
      path: '/v1/schedules/:scheduleId',
      summary: 'A schedule: timing, policies, next run times and recent runs',
      tags: ['schedules'],
      access: READ,
      request: { params: ScheduleIdParams },
      responses: { 200: ScheduleDetail },
      errors: [400, 401, 403, 404],
      async handle({ params }) {
        return { status: 200, body: await describeSchedule(deps, params.scheduleId) };
      },
    }),
    defineRoute({
      operationId: 'updateSchedule',
      method: 'patch',
      path: '/v1/schedules/:scheduleId',
      summary: 'Change timing, params, overlap policy, catch-up window or note',
      tags: ['schedules'],
      access: OPERATE,
      request: { params: ScheduleIdParams, body: UpdateScheduleBody },
      responses: { 200: ScheduleDetail },
      errors: [400, 401, 403, 404],
      async handle({ params, body, principal }) {
        return { status: 200, body: await updateSchedule(deps, params.scheduleId, body, principal) };
      },
    }),
    pauseRoute(deps, true),
    pauseRoute(deps, false),
    defineRoute({
      operationId: 'triggerSchedule',
      method: 'post',
      path: '/v1/schedules/:scheduleId/trigger',
      summary: "Start a run now (with the schedule's overlap policy unless the body overrides it)",
      tags: ['schedules'],
      access: OPERATE,
      request: { params: ScheduleIdParams, body: TriggerBody },
      responses: { 202: TriggerResponse },
      errors: [400, 401, 403, 404],
      async handle({ params, body, principal }) {
        await triggerSchedule(deps, { scheduleId: params.scheduleId, overlap: body.overlap, principal });
        return { status: 202, body: { scheduleId: params.scheduleId, triggered: true as const } };
      },
    }),
    defineRoute({
      operationId: 'deleteSchedule',
      method: 'delete',
      path: '/v1/schedules/:scheduleId',
      summary: 'Delete a schedule (runs it started keep running)',
      tags: ['schedules'],
      access: OPERATE,
      request: { params: ScheduleIdParams },
      responses: { 204: null },
      errors: [400, 401, 403, 404],
      async handle({ params, principal }) {
        await deleteSchedule(deps, { scheduleId: params.scheduleId, principal });
        return { status: 204, body: undefined };
      },
    }),
  ];
}
