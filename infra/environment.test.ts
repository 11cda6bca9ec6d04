import { describe, expect, it } from "vitest";
import { validConfig } from "../tools/test-support";
import { CATALOGUE } from "./catalogue";
import { configuredServices } from "./graph";
import { serviceEnvironment } from "./environment";
import { deriveWiring } from "./wiring";

const features = {
  brainMemory: true,
  emotionalAnalysis: false,
  autoConsolidation: true,
  webBrowsing: true,
  alertEmail: false,
  homeAssistant: true,
  mqtt: true,
};
// Where they are: Kubernetes's network policies need their addresses.
const egress = [{ cidr: "192.168.1.0/24", ports: [443] }];
const integrations = {
  browserbase: { projectId: "bb-project", egress },
  homeAssistant: { url: "https://ha.home.arpa", egress },
  mqtt: { broker: "mqtt.home.arpa", port: 8883, username: "jarvis", egress },
};

describe("service environments", () => {
  const config = validConfig(
    "staging",
    { "jarvis:features": features, "jarvis:integrations": integrations },
    { "jarvis:browserbaseApiKey": "k", "jarvis:homeAssistantToken": "t", "jarvis:mqttPassword": "p" },
  );
  const wiring = deriveWiring(config);

  it("pass the backend each switched-on integration, its secret by reference", () => {
    const backend = serviceEnvironment(config, wiring, "backend", "staging");
    expect(backend.plain).toMatchObject({
      BROWSERBASE_PROJECT_ID: "bb-project",
      HOME_ASSISTANT_URL: "https://ha.home.arpa",
      MQTT_BROKER: "mqtt.home.arpa",
      MQTT_PORT: "8883",
      MQTT_USERNAME: "jarvis",
      EMOTIONAL_ANALYSIS_ENABLED: "false",
      ENVIRONMENT: "staging",
    });
    expect(backend.secret).toMatchObject({
      BROWSERBASE_API_KEY: { secret: "browserbaseApiKey" },
      HOME_ASSISTANT_TOKEN: { secret: "homeAssistantToken" },
      MQTT_PASSWORD: { secret: "mqttPassword" },
      DATABASE_URL: { connection: "DATABASE_URL" },
    });
  });

  it("leave switched-off integrations out", () => {
    const dev = validConfig("dev");
    const backend = serviceEnvironment(dev, deriveWiring(dev), "backend", "dev");
    expect(
      Object.keys({ ...backend.plain, ...backend.secret }).filter((n) => /BROWSERBASE|HOME_ASSISTANT|MQTT/.test(n)),
    ).toEqual([]);
  });

  it("let Ollama listen on every interface where there is no static address (Kubernetes)", () => {
    expect(serviceEnvironment(config, wiring, "ollama", "staging").plain.OLLAMA_HOST).toBe(":11434");
  });

  it("give the monitoring services their settings and Grafana its generated password", () => {
    expect(serviceEnvironment(config, wiring, "grafana", "staging")).toEqual({
      plain: {
        GF_SECURITY_ADMIN_USER: "admin",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_SERVER_HTTP_PORT: "3000",
      },
      secret: { GF_SECURITY_ADMIN_PASSWORD: { secret: "grafana" } },
    });
    expect(serviceEnvironment(config, wiring, "prometheus", "staging")).toEqual({ plain: {}, secret: {} });
  });

  it("only ever name variables the catalogue lists as read by that service", async () => {
    for (const service of configuredServices(CATALOGUE)) {
      const { plain, secret } = serviceEnvironment(config, wiring, service, "staging");
      for (const name of Object.keys({ ...plain, ...secret }))
        expect(CATALOGUE[service]!.reads, `${service} ${name}`).toContain(name);
    }
  });
});
