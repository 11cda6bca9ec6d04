import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PlanEngine } from "../tools/plan/engine";
import { Secrets } from "./secrets";

const resolve = <T>(output: pulumi.Output<T>) => new Promise<T>((done) => output.apply(done));
const isSecret = (output: pulumi.Output<unknown>) => (output as any).isSecret as Promise<boolean>;

describe("the secrets component", () => {
  it("assembles connection URLs from generated passwords as secret outputs", async () => {
    await PlanEngine.start("jarvis", "unit", () => {});
    pulumi.runtime.setAllConfig({ "jarvis:smtpPassword": "mail-secret" }, ["jarvis:smtpPassword"]);
    const secrets = new Secrets("s", { rotation: {}, provided: new Set(["smtpPassword"]) });
    const url = secrets.connectionUrl({
      scheme: "postgresql",
      username: "jarvis",
      host: "db",
      port: 5432,
      database: "jarvis_db",
      password: "postgres",
    });
    // The engine's stand-in password: the resource's name and a digest of its inputs.
    expect(await resolve(url)).toMatch(/^postgresql:\/\/jarvis:PLAN-SECRET-s-postgres-[0-9a-f]{8}@db:5432\/jarvis_db$/);
    expect(await isSecret(url)).toBe(true);
    expect(await isSecret(secrets.generated.jwt)).toBe(true);
    expect(await resolve(secrets.provided.smtpPassword!)).toBe("mail-secret");
    expect(await isSecret(secrets.provided.smtpPassword!)).toBe(true);
    expect(secrets.provided.browserbaseApiKey).toBeUndefined();
    expect(() => secrets.resolve({ secret: "browserbaseApiKey" }, {} as any)).toThrow(
      "secret browserbaseApiKey is not provided in this stack",
    );
    expect(await isSecret(secrets.resolve({ secret: "smtpPassword" }, {} as any))).toBe(true);
  });
});
