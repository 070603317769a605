// The API's response types, taken from the zod schemas that validate every response (type-only: nothing of the
// server is bundled), so a change in the API breaks the console's type check instead of the page.
import type { z } from 'zod';
import type { AuditResponse, Me } from '../../../api/schemas/admin';
import type {
  ApprovalsResponse,
  ConsoleRun,
  ConsoleRunsResponse,
  RunChecksResponse,
  TrainingResponse,
} from '../../../api/schemas/console';
import type { Alert, MonitoringResponse, MonitoringWindow } from '../../../api/schemas/monitoring';
import type { ParameterView, PipelineDetail } from '../../../api/schemas/pipelines';
import type {
  ChannelTestResponse,
  ChannelView,
  DeliveriesResponse,
  ListChannelsResponse,
} from '../../../api/schemas/notifications';
import type {
  ListDeploymentsResponse,
  ListModelsResponse,
  ListVersionsResponse,
  RollbackResponse,
  VersionDetail,
  VersionSummary,
} from '../../../api/schemas/registry';
import type { DecisionResponse, RunDetail, StartRunResponse } from '../../../api/schemas/runs';
import type { ListSchedulesResponse, ScheduleDetail, ScheduleSummary } from '../../../api/schemas/schedules';
import type { SessionView } from '../../../api/schemas/session';

type Out<T extends z.ZodType> = z.output<T>;

export type Role = Out<typeof Me>['role'];
export type Session = SessionView;
export type RunRow = Out<typeof ConsoleRun>;
export type RunsPage = Out<typeof ConsoleRunsResponse>;
export type Run = Out<typeof RunDetail>;
export type RunStatus = Run['status'];
export type Training = Out<typeof TrainingResponse>;
export type RunChecks = Out<typeof RunChecksResponse>;
export type Approvals = Out<typeof ApprovalsResponse>;
export type PendingApproval = Approvals['items'][number];
export type Decision = Out<typeof DecisionResponse>;
export type StartedRun = Out<typeof StartRunResponse>;
export type Pipeline = Out<typeof PipelineDetail>;
export type Parameter = Out<typeof ParameterView>;
export type Models = Out<typeof ListModelsResponse>;
export type Versions = Out<typeof ListVersionsResponse>;
export type Version = Out<typeof VersionSummary>;
export type VersionInfo = Out<typeof VersionDetail>;
export type Deployments = Out<typeof ListDeploymentsResponse>;
export type Rollback = Out<typeof RollbackResponse>;
export type Monitoring = Out<typeof MonitoringResponse>;
export type Window = Out<typeof MonitoringWindow>;
export type AlertView = Out<typeof Alert>;
export type Schedules = Out<typeof ListSchedulesResponse>;
export type ScheduleRow = Out<typeof ScheduleSummary>;
export type Schedule = Out<typeof ScheduleDetail>;
export type Audit = Out<typeof AuditResponse>;
export type Channels = Out<typeof ListChannelsResponse>;
export type Channel = Out<typeof ChannelView>;
export type ChannelTest = Out<typeof ChannelTestResponse>;
export type Deliveries = Out<typeof DeliveriesResponse>;
