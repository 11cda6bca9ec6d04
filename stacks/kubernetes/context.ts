// What every Kubernetes capability gets from the assembly.
import type * as pulumi from "@pulumi/pulumi";
import type { Secrets } from "../../components/secrets";
import type { KubernetesConfig } from "../../infra/config/schema";
import type { DashboardBuilder } from "../../infra/monitoring/dashboard";
import type { Wiring } from "../../infra/wiring";

export interface KubernetesContext {
  readonly config: KubernetesConfig;
  readonly wiring: Wiring;
  readonly secrets: Secrets;
  /** The stack's name: the `app.kubernetes.io/instance` of every pod. */
  readonly instance: string;
  readonly namespace: pulumi.Output<string>;
  /** The labels of every object. */
  readonly labels: Record<string, string>;
  readonly opts: pulumi.CustomResourceOptions;
  /** Where the dashboard's JSON is built. */
  readonly dashboards: DashboardBuilder;
}

/** Data is never lost by a program change: what holds it is protected as config says. */
export const dataProtection = (config: KubernetesConfig) => ({
  protect: config.dataProtection.protect,
  retainOnDelete: config.dataProtection.retainOnDelete,
});

/** The label every object of every Jarvis stack carries, its namespace too: what the stacks share. */
export const partOf = (config: KubernetesConfig) => ({ "app.kubernetes.io/part-of": config.namePrefix });
