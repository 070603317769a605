import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker state changes and expected activity failures drown test output; errors still show (TEMPORAL_LOG_LEVEL=WARN for more).
Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR') });
