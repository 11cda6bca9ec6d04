// The image of every service: pulled by its pinned reference, or built from a local source folder
// and tagged with that same reference. Containers run the resulting image ID, so a new image
// replaces them and an unchanged one leaves them alone. A local build runs again when its reference
// changes (a new jarvis:appVersion), or with `pulumi up --replace` on its RemoteImage.
import * as pulumi from "@pulumi/pulumi";
import { RemoteImage } from "@pulumi/docker/remoteImage";

export interface ImageSource {
  readonly ref: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string | undefined };
}

export interface ImagesArgs {
  readonly images: Readonly<Record<string, ImageSource>>;
}

export class Images extends pulumi.ComponentResource {
  /** The image ID by service: a container runs exactly this image. */
  readonly ids: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jarvis:docker:Images", name, {}, opts);
    this.ids = Object.fromEntries(
      Object.entries(args.images).map(([service, { ref, build }]) => {
        const image = new RemoteImage(
          `${name}-${service}`,
          {
            name: ref,
            // Keep the image when the stack lets go of it: another container may still run it.
            keepLocally: true,
            ...(build && {
              build: { context: build.context, ...(build.dockerfile && { dockerfile: build.dockerfile }), tags: [ref] },
            }),
          },
          { parent: this },
        );
        return [service, image.imageId];
      }),
    );
    this.registerOutputs({ ids: this.ids });
  }
}
