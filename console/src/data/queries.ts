import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { enc, get } from './client';
import type {
  Approvals,
  Audit,
  Channels,
  Deliveries,
  Deployments,
  Models,
  Monitoring,
  Pipeline,
  Run,
  RunChecks,
  RunsPage,
  Schedule,
  Schedules,
  Training,
  VersionInfo,
  Versions,
} from './types';

/** Pages that show live state refresh on their own; a run stops refreshing once it has ended. */
export const LIVE_MS = 3_000;
const OPEN = new Set(['running', 'waiting_approval']);

export interface RunFilters {
  pipeline?: string;
  status?: string;
  trigger?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

export const useRuns = (filters: RunFilters) =>
  useQuery({
    queryKey: ['runs', filters],
    queryFn: () => get<RunsPage>('/v1/console/runs', { ...filters, limit: 25 }),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });

export const useRun = (runId: string) =>
  useQuery({
    queryKey: ['run', runId],
    queryFn: () => get<Run>(`/v1/runs/${enc(runId)}`),
    refetchInterval: (q) => (q.state.data && !OPEN.has(q.state.data.status) ? false : LIVE_MS),
  });

/** `stage` (the run's status and phase) is part of the key: a run that moves on is read again at once. */
export const useTraining = (runId: string, stage: string, live: boolean) =>
  useQuery({
    queryKey: ['run', runId, 'training', stage],
    placeholderData: keepPreviousData,
    queryFn: () => get<Training>(`/v1/runs/${enc(runId)}/training`),
    refetchInterval: live ? LIVE_MS : false,
  });

export const useChecks = (runId: string, stage: string, live: boolean) =>
  useQuery({
    queryKey: ['run', runId, 'checks', stage],
    placeholderData: keepPreviousData,
    queryFn: () => get<RunChecks>(`/v1/runs/${enc(runId)}/checks`),
    refetchInterval: live ? LIVE_MS : false,
  });

export const useApprovals = () =>
  useQuery({
    queryKey: ['approvals'],
    queryFn: () => get<Approvals>('/v1/console/approvals'),
    refetchInterval: LIVE_MS,
  });

export const useModels = () => useQuery({ queryKey: ['models'], queryFn: () => get<Models>('/v1/models') });

export const useVersions = (model: string) =>
  useQuery({
    queryKey: ['models', model, 'versions'],
    queryFn: () => get<Versions>(`/v1/models/${enc(model)}/versions`),
    refetchInterval: LIVE_MS,
  });

export const useVersion = (model: string, version: number | undefined) =>
  useQuery({
    queryKey: ['models', model, 'versions', version],
    queryFn: () => get<VersionInfo>(`/v1/models/${enc(model)}/versions/${version}`),
    enabled: version !== undefined,
  });

export const useDeployments = () =>
  useQuery({ queryKey: ['deployments'], queryFn: () => get<Deployments>('/v1/deployments'), refetchInterval: LIVE_MS });

export const useMonitoring = (model: string | undefined, version?: number) =>
  useQuery({
    queryKey: ['monitoring', model, version],
    queryFn: () => get<Monitoring>(`/v1/models/${enc(model ?? '')}/monitoring`, { limit: 24, version }),
    enabled: Boolean(model),
    refetchInterval: 10_000,
  });

export const useSchedules = () =>
  useQuery({ queryKey: ['schedules'], queryFn: () => get<Schedules>('/v1/schedules'), refetchInterval: 10_000 });

export const useSchedule = (id: string | undefined) =>
  useQuery({
    queryKey: ['schedules', id],
    queryFn: () => get<Schedule>(`/v1/schedules/${enc(id ?? '')}`),
    enabled: Boolean(id),
  });

export const usePipelines = () =>
  useQuery({
    queryKey: ['pipelines'],
    queryFn: () => get<{ items: Array<{ name: string }> }>('/v1/pipelines'),
  });

export const usePipeline = (name: string | undefined) =>
  useQuery({
    queryKey: ['pipelines', name],
    queryFn: () => get<Pipeline>(`/v1/pipelines/${enc(name ?? '')}`),
    enabled: Boolean(name),
  });

export const useAudit = (filter: { target?: string; action?: string; limit: number }) =>
  useQuery({
    queryKey: ['audit', filter],
    queryFn: () => get<Audit>('/v1/audit', filter),
    placeholderData: keepPreviousData,
  });

export const useChannels = () =>
  useQuery({ queryKey: ['channels'], queryFn: () => get<Channels>('/v1/notifications/channels') });

export const useDeliveries = () =>
  useQuery({
    queryKey: ['deliveries'],
    queryFn: () => get<Deliveries>('/v1/notifications/deliveries', { limit: 50 }),
    refetchInterval: 10_000,
  });

/** A mutation that refreshes the given queries when it succeeds. */
export function useAction<I, O>(run: (input: I) => Promise<O>, invalidate: string[][]) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async () => {
      await Promise.all(invalidate.map((queryKey) => queries.invalidateQueries({ queryKey })));
    },
  });
}
