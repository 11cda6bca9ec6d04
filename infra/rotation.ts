// Rotation of the generated database passwords in one `pulumi up`. The Postgres images read
// POSTGRES_PASSWORD only when they initialise an empty data folder; on every later start the
// server keeps the password it had. So the database's command first teaches the server the password
// of its secret (the mounted file on Kubernetes, the environment on Docker), in single-user mode
// before the server starts, then starts it as the image would.

/**
 * The start step, as a shell script. Single-user mode runs as the data folder's owner (the
 * container's user) without the network; `SET log_statement = 'none'` keeps the statement that
 * carries the password out of the server log whatever postgresql.conf says, and its output (the
 * statements' results) goes nowhere. Quotes in the password are doubled for SQL (the generated ones
 * have none).
 */
export const POSTGRES_PASSWORD_STEP = [
  'if [ -s "$PGDATA/PG_VERSION" ]; then',
  '  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then password=$(cat "$POSTGRES_PASSWORD_FILE"); else password=$POSTGRES_PASSWORD; fi',
  `  quoted=$(printf '%s' "$password" | sed "s/'/''/g")`,
  `  printf "SET log_statement = 'none';\\nALTER ROLE \\"%s\\" PASSWORD '%s';\\n" "$POSTGRES_USER" "$quoted" |`,
  '    postgres --single -D "$PGDATA" "$POSTGRES_DB" > /dev/null',
  "fi",
].join("\n");

/** The command of a Postgres image that learns its password at each start. */
export function postgresCommand(): string[] {
  return ["sh", "-c", ["set -eu", POSTGRES_PASSWORD_STEP, "exec docker-entrypoint.sh postgres"].join("\n")];
}
