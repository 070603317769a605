#!/bin/sh
# Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d), as the superuser. Least privilege:
# the application role owns the mlops database but is no superuser; the read-only role that `postgres` data sources
# run as can only SELECT from the `sources` schema; Temporal gets a role of its own. Passwords come from .env.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_pw="$MLOPS_DB_PASSWORD" -v reader_pw="$MLOPS_READER_PASSWORD" -v temporal_pw="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE mlops_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
CREATE ROLE mlops_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  CONNECTION LIMIT 50 PASSWORD :'reader_pw';
ALTER ROLE mlops_reader SET default_transaction_read_only = on;
ALTER ROLE mlops_reader SET statement_timeout = '10min';
CREATE ROLE temporal LOGIN NOSUPERUSER CREATEDB NOCREATEROLE PASSWORD :'temporal_pw';
CREATE DATABASE mlops OWNER mlops_app;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname mlops <<'SQL'
ALTER SCHEMA public OWNER TO mlops_app;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA sources AUTHORIZATION mlops_app;
GRANT USAGE ON SCHEMA sources TO mlops_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE mlops_app IN SCHEMA sources GRANT SELECT ON TABLES TO mlops_reader;
SQL
