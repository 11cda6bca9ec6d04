// Config of the backup capability (Kubernetes): when the backup job runs, how long backups are
// kept, its sizes. What it saves is the catalogue's: every service the backup job connects to.
import { z } from "zod";
import { computeResources, image, memory } from "./fields";
import type { ModuleKeys } from "./module";

export const backupKeys = {
  kubernetes: {
    backup: z
      .strictObject({
        enabled: z.boolean().describe("Run the scheduled backups."),
        schedule: z.string().regex(/^(\S+\s+){4}\S+$/, "must be a cron schedule of five fields, e.g. 0 3 * * *"),
        timeZone: z
          .string()
          .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, "must be an IANA time zone such as Etc/UTC or Europe/Paris")
          .describe("Time zone of the schedule."),
        keepDays: z.int().min(1),
        deadlineMinutes: z.int().min(1).describe("A backup still running after this long is stopped."),
        httpImage: image.describe("A pinned image with curl and sh, which takes the Qdrant snapshot."),
        limits: computeResources
          .extend({ ephemeralStorage: memory })
          .describe("CPU, memory and scratch space of the backup job."),
      })
      .describe("Scheduled backups: pg_dump of the databases and a Qdrant snapshot."),
  },
} satisfies ModuleKeys;
