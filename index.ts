// Entry point of `pulumi up` and of the offline plan (Pulumi.yaml's `main`): the engine calls the
// exported function and takes what it returns as the stack outputs.
import { main } from "./program";

export = main;
