// The offline engine: the Pulumi SDK's own mock engine (setMocks / MockMonitor), instrumented to
// record every registration request whole (parent, provider, dependencies, options, raw inputs),
// to form URNs as the real engine does, to make up stand-ins for provider-computed outputs and to
// mark secret the outputs a resource declares secret, as the engine would.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs, MockResourceResult, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { isPlainObject, PLAN_SECRET_PREFIX } from "./merged-config";
import { effectOf, formatPath, type PropertyPath, type ResourceOptions } from "./replace-rules";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string | null;
  /** The URNs the resource's aliases stand for: earlier URNs of this same resource. */
  readonly aliases: string[];
  readonly provider: string | null;
  readonly dependencies: string[];
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly ignoreChanges: string[];
  /** Inputs whose change replaces the resource, beyond the provider's own. */
  readonly replaceOnChanges: string[];
  readonly additionalSecretOutputs: string[];
  /** How long the engine would wait for create, update and delete, where the program says. */
  readonly customTimeouts: Record<string, string>;
  /** Inputs as registered, in the engine's wire form (secrets wrapped in signature objects). */
  readonly inputs: Record<string, unknown>;
  /** For a Docker container, the image reference it runs: its `image` input is that image's ID. */
  readonly imageReference?: string;
  /** The resource's state as the plan's engine answered it: inputs plus stand-ins. */
  state?: Record<string, unknown>;
  /** Outputs a component (or the stack) registered. */
  outputs?: Record<string, unknown>;
}

/** The URN the real engine forms: the parent's type chain prefixes the type, except for the root stack. */
export function engineUrn(
  stack: string,
  project: string,
  parent: string | undefined,
  type: string,
  name: string,
): string {
  const parentType = parent ? parent.split("::")[2] : undefined;
  const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The name part of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`; a name may hold `::`). */
export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** What an alias spec's empty fields default to; `parent` is "" at the root. */
interface AliasedResource {
  readonly stack: string;
  readonly project: string;
  readonly parent: string;
  readonly type: string;
  readonly name: string;
}

/**
 * The URN an alias stands for, as the engine forms it. A spec's empty fields mean "as the
 * resource": its name, type, stack, project and parent (unless the spec names a parent or none).
 */
export function aliasUrn(alias: Request, resource: AliasedResource): string {
  if (!alias.hasSpec()) return alias.getUrn();
  const spec = alias.getSpec();
  const parent = spec.getNoparent() ? undefined : spec.getParenturn() || resource.parent || undefined;
  const [stack, project] = [spec.getStack() || resource.stack, spec.getProject() || resource.project];
  return engineUrn(stack, project, parent, spec.getType() || resource.type, spec.getName() || resource.name);
}

/** The leaf type of a URN: the last of its type chain. */
export const urnType = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop()!;

/**
 * Who a resource is to the engine and its providers: the first URN its aliases stand for, else its
 * URN; a resource moved with an alias to its old URN is the same resource. Only aliases of its own
 * type count: the Kubernetes SDK adds, after the program's, one per older API version of a kind,
 * URNs the resource might have had rather than one it had.
 */
export const identity = (r: Pick<Registration, "urn" | "type" | "aliases">) =>
  r.aliases.find((alias) => urnType(alias) === r.type) ?? r.urn;

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

const IMAGE_TYPES = new Set([
  "docker:index/remoteImage:RemoteImage",
  "docker:index/image:Image",
  "docker-build:index:Image",
]);
const CONTAINER_TYPE = "docker:index/container:Container";

/** The reference an image resource pulls or builds. */
const imageReference = (name: string, inputs: Record<string, unknown>) =>
  String(inputs.name ?? inputs.imageName ?? name);

/** What decides a resource's replacement: its type and the options that change the provider's rules. */
export type ReplaceOptions = Pick<ResourceOptions, "ignoreChanges" | "replaceOnChanges">;
const NO_OPTIONS: ReplaceOptions = { ignoreChanges: [], replaceOnChanges: [] };

/**
 * A digest of the inputs a change of which replaces the resource (replace-rules.ts: each leaf at a
 * path whose change replaces it). A replacement is a new object, with what its provider makes anew
 * (a password, an auto-name's random suffix); an update in place keeps them.
 */
export function replacingInputsDigest(resource: ResourceOptions, inputs: Record<string, unknown>): string {
  const leaves: [string, unknown][] = [];
  const visit = (value: unknown, path: PropertyPath) => {
    if (Array.isArray(value) && value.length > 0) value.forEach((item, i) => visit(item, [...path, i]));
    else if (isPlainObject(value) && Object.keys(value).length > 0)
      for (const key of Object.keys(value).sort()) visit(value[key], [...path, key]);
    else if (path.length > 0 && effectOf(resource, path).effect === "replace") leaves.push([formatPath(path), value]);
  };
  visit(inputs, []);
  return digest(JSON.stringify(leaves));
}

/**
 * Made-up values for what a provider would compute, so that no input of a dependent resource is
 * missing from the plan. They are deterministic and plainly fake: derived from `urn`, the
 * resource's identity, and, for what the provider makes anew when it replaces the object (a
 * RandomPassword's result, a Kubernetes auto-name), from the inputs whose change replaces it, so
 * that a replacement changes them as for real and its consumers see the change.
 */
export function standIns(
  type: string,
  name: string,
  urn: string,
  inputs: Record<string, unknown>,
  options: ReplaceOptions = NO_OPTIONS,
): Record<string, unknown> {
  const anew = () => digest(`${urn}\n${replacingInputsDigest({ type, ...options }, inputs)}`).slice(0, 8);
  if (type === "random:index/randomPassword:RandomPassword") {
    const result = `${PLAN_SECRET_PREFIX}${name}-${anew()}`;
    return { result, bcryptHash: `${result}-bcrypt` };
  }
  if (IMAGE_TYPES.has(type)) {
    // Another reference is another image, with another ID: a new tag changes the `image` input of
    // the containers that run it, as the provider's read-back of their image ID does for real.
    const reference = imageReference(name, inputs);
    const image = digest(`${urn}\n${reference}`);
    return { imageId: `sha256:${image}`, repoDigest: `${reference}@sha256:${image}`, digest: `sha256:${image}` };
  }
  if (type.startsWith("kubernetes:")) {
    // Auto-naming: the Kubernetes provider appends a random suffix to the resource name
    // (pulumi-kubernetes provider.go Check: AssignNameIfAutonamable). An update keeps it (Check
    // adopts the old inputs' name); a replacement, which the engine checks anew without old inputs
    // (pulumi's step_generator), gets a new one and is created beside the old object.
    const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
    const status =
      type === "kubernetes:networking.k8s.io/v1:Ingress"
        ? { status: { loadBalancer: { ingress: [{ hostname: `${name}.plan.invalid` }] } } }
        : {};
    return { metadata: { ...metadata, name: metadata.name ?? `${name}-${anew()}` }, ...status };
  }
  return {};
}

const bool = (value: boolean | undefined) => value === true;
function timeouts(custom: Request): Record<string, string> {
  const all = custom ? { create: custom.getCreate(), update: custom.getUpdate(), delete: custom.getDelete() } : {};
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value));
}
/** A provider reference is `<urn>::<id>`. */
const providerUrn = (reference: string) => (reference ? reference.slice(0, reference.lastIndexOf("::")) : null);

/** The SDK's request objects are generated protobuf classes without public typings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no typings to name
type Request = any;
type Callback = (error: unknown, response: unknown) => void;
/** The parts of the SDK's MockMonitor the plan instruments (`newUrn` is private in its typings). */
interface MonitorInternals {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: Request, callback: Callback): Promise<void>;
  registerResourceOutputs(req: Request, callback: Callback): void;
}

export class PlanEngine {
  private readonly byUrn = new Map<string, Registration>();
  /** Recorded requests waiting for MockMonitor to call newResource, which gets only type and name. */
  private readonly pending = new Map<string, Registration[]>();
  /** Image references by the stand-in image ID the engine answered for them. */
  private readonly imageReferences = new Map<string, string>();
  stackOutputs: Record<string, unknown> = {};

  private constructor(
    private readonly project: string,
    private readonly stack: string,
    private readonly answered: (registration: Registration) => void,
  ) {}

  /**
   * Installs the SDK's mock engine with this engine's mocks and starts recording. `answered` gets
   * each registration once the engine has answered it (its state is known).
   */
  static async start(
    project: string,
    stack: string,
    answered: (registration: Registration) => void,
  ): Promise<PlanEngine> {
    const engine = new PlanEngine(project, stack, answered);
    const mocks: Mocks = {
      newResource: (args) => engine.newResource(args),
      call: (args) => {
        throw new Error(`the offline plan has no stand-in for the function ${args.token}`);
      },
    };
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    engine.instrument(pulumi.runtime.getMonitor() as unknown as MonitorInternals);
    return engine;
  }

  /** In the order the program registered them. */
  registrations(): Registration[] {
    return [...this.byUrn.values()];
  }

  private instrument(monitor: MonitorInternals): void {
    // MockMonitor forms URNs without the parent's full type chain and with the root stack's type;
    // replace it on this instance with the engine's rule.
    monitor.newUrn = (parent, type, name) => engineUrn(this.stack, this.project, parent || undefined, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.record(req);
      return register(req, callback);
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
      const registration = this.byUrn.get(req.getUrn());
      const outputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
      if (registration) registration.outputs = outputs;
      if (registration?.type === ROOT_STACK_TYPE) this.stackOutputs = outputs;
      registerOutputs(req, callback);
    };
  }

  private record(req: Request): void {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const resource: AliasedResource = { stack: this.stack, project: this.project, parent, type, name };
    const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
    // A container registers after its image has been answered: its ID names the reference.
    const reference = type === CONTAINER_TYPE ? this.imageReferences.get(String(inputs.image)) : undefined;
    const registration: Registration = {
      urn: engineUrn(this.stack, this.project, parent || undefined, type, name),
      type,
      name,
      custom: bool(req.getCustom()),
      parent: parent || null,
      aliases: (req.getAliasesList() as Request[]).map((alias) => aliasUrn(alias, resource)),
      provider: providerUrn(req.getProvider()),
      dependencies: [...req.getDependenciesList()].sort(),
      protect: bool(req.getProtect()),
      retainOnDelete: bool(req.getRetainondelete()),
      deleteBeforeReplace: bool(req.getDeletebeforereplace()),
      ignoreChanges: [...req.getIgnorechangesList()],
      replaceOnChanges: [...req.getReplaceonchangesList()],
      additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
      customTimeouts: timeouts(req.getCustomtimeouts()),
      inputs,
      ...(reference !== undefined && { imageReference: reference }),
    };
    if (this.byUrn.has(registration.urn)) throw new Error(`duplicate resource URN ${registration.urn}`);
    this.byUrn.set(registration.urn, registration);
    // MockMonitor calls newResource right after, in request order: a queue per type and name.
    const key = `${type}::${name}`;
    this.pending.set(key, [...(this.pending.get(key) ?? []), registration]);
  }

  private newResource(args: MockResourceArgs): MockResourceResult {
    const queue = this.pending.get(`${args.type}::${args.name}`) ?? [];
    const registration = queue.shift();
    if (!registration) throw new Error(`no registration recorded for ${args.type} ${args.name}`);
    // The engine answers what the provider computed; for any input it does not answer, the SDK
    // resolves the output to the input itself (as the engine does for unchanged inputs). So only
    // the stand-ins, and the inputs declared secret outputs, make the round trip through protobuf.
    // From the identity, not the URN: the provider keeps a moved (aliased) resource's auto-name and ID.
    const self = identity(registration);
    const computed = standIns(args.type, urnName(self), self, args.inputs, registration);
    if (IMAGE_TYPES.has(args.type))
      this.imageReferences.set(String(computed.imageId), imageReference(urnName(self), args.inputs));
    for (const key of registration.additionalSecretOutputs) {
      const value = key in computed ? computed[key] : args.inputs[key];
      if (value !== undefined) computed[key] = { [specialSigKey]: specialSecretSig, value };
    }
    registration.state = { ...args.inputs, ...computed };
    this.answered(registration);
    const id = args.custom ? `${urnName(self)}-${digest(self).slice(0, 12)}` : undefined;
    return { id, state: computed };
  }
}
