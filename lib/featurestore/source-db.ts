import { Client } from 'pg';

/**
 * A connection that reads user-declared sources (feature-view tables, entity queries). It is the one place such
 * reads connect: point FEATURE_SOURCE_DATABASE_URL at a read-only role and every source query runs under it. The
 * session is read-only in any case, so a hostile query in a spec cannot write, even under the metadata role.
 */
export async function openSourceClient(url: string, applicationName = 'mlops-feature-source'): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  try {
    await client.query(
      "set session characteristics as transaction read only; set timezone = 'UTC'; set datestyle = 'ISO, YMD'",
    );
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** A session on the metadata database for the store's own work (temporary staging tables, the join). */
export async function openWorkClient(url: string, applicationName = 'mlops-feature-store'): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  await client.query("set timezone = 'UTC'; set datestyle = 'ISO, YMD'");
  return client;
}
