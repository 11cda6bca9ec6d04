// Tests' arguments for the policy pack's policies, as @pulumi/policy builds them for the CLI
// (its server.ts): a resource's inputs behind the preview's proxy, which throws on an unknown value.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

/** What @pulumi/policy's internal proxy.ts exports (its .d.ts declares none of it): the preview's proxy and stand-ins. */
interface PolicyProxy {
  unknownCheckingProxy<T extends object>(props: T): T;
  unknownNumberValue: string;
  unknownStringValue: string;
  unknownArrayValue: string;
  unknownObjectValue: string;
}
export const proxy = proxyModule as unknown as PolicyProxy;

export interface TestResource {
  readonly type: string;
  readonly name?: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  readonly parent?: string;
}

/** The arguments @pulumi/policy hands a resource policy (server.ts), the inputs behind its preview proxy. */
export function resourceArgs(r: TestResource, config: object = {}): ResourceValidationArgs {
  const name = r.name ?? "subject";
  return {
    type: r.type,
    props: proxy.unknownCheckingProxy(r.props),
    urn: `urn:pulumi:test::jarvis::${r.type}::${name}`,
    name,
    opts: {
      protect: r.protect ?? false,
      ignoreChanges: [],
      deleteBeforeReplace: false,
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      ...(r.parent && { parent: r.parent }),
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as ResourceValidationArgs;
}

export function stackArgs(resources: readonly TestResource[], config: object = {}): StackValidationArgs {
  return {
    resources: resources.map(
      (r, i) =>
        ({
          type: r.type,
          name: r.name ?? `r${i}`,
          urn: `urn:pulumi:test::jarvis::${r.type}::${r.name ?? `r${i}`}`,
          // Stack policies see outputs at an update, inputs at a preview, behind the same proxy (server.ts).
          props: proxy.unknownCheckingProxy(r.props),
          opts: { protect: r.protect ?? false },
          ...(r.parent && { parent: { urn: r.parent } }),
          dependencies: [],
          propertyDependencies: {},
          isType: () => false,
          asType: () => undefined,
        }) as unknown as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
  } as unknown as StackValidationArgs;
}

/** Runs a resource policy's validations on one resource, as the CLI does (one function or several). */
export async function validate(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
  report: ReportViolation,
) {
  for (const validation of [policy.validateResource ?? []].flat()) await validation(args, report);
}
