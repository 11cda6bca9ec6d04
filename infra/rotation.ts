// Rotation of the generated database passwords in one `pulumi up`. The Postgres images read
// POSTGRES_PASSWORD only when they initialise an empty data folder; on every later start the
// server keeps the password it had. So the database's command first teaches the server the password
// of its secret (the mounted file on Kubernetes, the environment on Docker), then starts it as the
// image would. It does so with the image's own entrypoint functions (docker-library/postgres
// docker-entrypoint.sh, which the pgvector and TimescaleDB images run), as the image's
// initialisation does: a socket-only server, psql over the socket, the server stopped again. That
// works as any user, one without a passwd entry included (the pods' user on Kubernetes).

/**
 * The start step, as a bash script (the entrypoint's functions are bash). psql reads the role and the
 * password from the environment (`\getenv`) and quotes them (`:"role"`, `:'password'`), so neither is
 * on a command line; the session keeps the statement out of the server log, a failed or slow one
 * included; an error (ON_ERROR_STOP) stops the container rather than starting it with the old
 * password.
 */
export const POSTGRES_PASSWORD_STEP = [
  'if [ -s "$PGDATA/PG_VERSION" ]; then',
  "  source docker-entrypoint.sh",
  "  docker_setup_env",
  "  docker_temp_server_start",
  // A failed statement stops the temporary server before the container exits (a killed one would
  // start the next time through crash recovery).
  "  docker_process_sql > /dev/null <<'EOSQL' || { docker_temp_server_stop; exit 1; }",
  // Every setting that could log the statement: by type, on error, by duration, by sample.
  "SET log_statement = 'none';",
  "SET log_min_error_statement = 'panic';",
  "SET log_min_duration_statement = -1;",
  "SET log_min_duration_sample = -1;",
  "\\getenv role POSTGRES_USER",
  "\\getenv password POSTGRES_PASSWORD",
  "ALTER ROLE :\"role\" PASSWORD :'password';",
  "EOSQL",
  "  docker_temp_server_stop",
  "fi",
].join("\n");

/** The command of a Postgres image that learns its password at each start. */
export function postgresCommand(): string[] {
  return ["bash", "-c", ["set -Eeo pipefail", POSTGRES_PASSWORD_STEP, "exec docker-entrypoint.sh postgres"].join("\n")];
}
