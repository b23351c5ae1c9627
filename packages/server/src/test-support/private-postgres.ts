// A PostgreSQL server of a test's own, so the test may restart it (issue #5: a database restart is
// ridden out) without disturbing anyone else's. It runs from a temporary data directory on a free
// port, as the `postgres` user when the test runs as root (initdb refuses root), and is stopped and
// removed by stop().
import { execFile } from "node:child_process";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PrivatePostgres {
  /** The URL of its `postgres` database (user `postgres`, trust authentication). */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is terminated, the server is back when it resolves. */
  restart(): Promise<void>;
  /** Stops the server at once and removes its data directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run("id", ["-u", "postgres"]),
    run("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Starts a private PostgreSQL server; fails loudly when PostgreSQL's programs are missing. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bindir = (await run("pg_config", ["--bindir"])).stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), "durable-agents-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await postgresUser();
    await chown(dir, uid, gid);
  }
  /** Runs one of PostgreSQL's programs, as the postgres user when we are root. */
  const pg = (program: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bindir, program), ...args])
      : run(join(bindir, program), args);
  const port = await freePort();
  const log = join(dir, "server.log");
  try {
    await pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    const settings = [
      `-c port=${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${dir}`,
      "-c fsync=off",
    ].join(" ");
    await pg("pg_ctl", ["-D", data, "-l", log, "-o", settings, "-w", "start"]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      // pg_ctl restart starts the server again with the options it was started with. The log file
      // keeps the server off pg_ctl's output, which execFile would otherwise wait on forever.
      await pg("pg_ctl", ["-D", data, "-l", log, "-m", "fast", "-w", "restart"]);
    },
    async stop() {
      try {
        await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch (error) {
        // pg_ctl failed: end the postmaster by the PID it recorded, then report the failure.
        const pid = Number((await readFile(join(data, "postmaster.pid"), "utf8")).split("\n")[0]);
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGQUIT");
        throw error;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
