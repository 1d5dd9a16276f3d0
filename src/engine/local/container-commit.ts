/**
 * `commit`: a container's changes and config → a new image on the
 * container's image. The layer is the container snapshot's diff (read from
 * the overlay upper dir, so stopped containers need no mount), streamed into
 * the content store by core/images (ImageService.commit); the config is the
 * container's (with the request's config fields over it), then the `-c`
 * changes (core/images/changes.ts).
 */
import { applyConfigChanges } from '../../core/images/changes.ts';
import type { CommitImageOptions } from '../../core/images/types.ts';
import type { ContainerRecord } from '../../core/containers/store.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { ImageRuntimeConfig } from '../../oci/image.ts';
import { DEFAULT_TAG, formatReference, parseReference } from '../../oci/reference.ts';
import type { CommitOptions, ContainerConfig } from '../types.ts';

export interface CommitDeps {
  /** Writes the image (ImageService.commit). */
  commitImage(opts: CommitImageOptions): Promise<{ id: string }>;
  /** The container snapshot's layer tar. */
  diff(key: string): AsyncIterable<Uint8Array>;
  /** Freezes and thaws a running task; both undefined: never pause. */
  pause?(id: string): Promise<void>;
  resume?(id: string): Promise<void>;
}

/** The canonical name `repo[:tag]` names (tag `latest` by default), or undefined without a repo. */
export function commitName(repo: string | undefined, tag: string | undefined): string | undefined {
  if (!repo) {
    if (tag) throw invalidArgument('tag without a repository name');
    return undefined;
  }
  const ref = parseReference(tag ? `${repo}:${tag}` : repo);
  if (ref.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
  return formatReference({ ...ref, tag: ref.tag ?? DEFAULT_TAG });
}

/** The new image's runtime config: the container's, the request's fields over it, then the changes. */
export function commitConfig(rec: ContainerRecord, opts: CommitOptions): ImageRuntimeConfig {
  const c: ContainerConfig = { ...rec.config, ...definedFields(opts.config ?? {}) };
  const base: ImageRuntimeConfig = {};
  if (c.User) base.User = c.User;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) base.ExposedPorts = c.ExposedPorts;
  if (c.Env?.length) base.Env = c.Env;
  if (c.Entrypoint?.length) base.Entrypoint = c.Entrypoint;
  if (c.Cmd?.length) base.Cmd = c.Cmd;
  if (c.Volumes && Object.keys(c.Volumes).length) base.Volumes = c.Volumes;
  if (c.WorkingDir) base.WorkingDir = c.WorkingDir;
  if (c.Labels && Object.keys(c.Labels).length) base.Labels = c.Labels;
  if (c.StopSignal) base.StopSignal = c.StopSignal;
  if (c.Healthcheck) base.Healthcheck = c.Healthcheck;
  return applyConfigChanges(base, opts.changes ?? []);
}

function definedFields(c: ContainerConfig): ContainerConfig {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined && v !== null)) as ContainerConfig;
}

/** Commits `rec` (the caller holds the container's lock); returns the new image's ID. */
export async function commitContainer(
  deps: CommitDeps,
  rec: ContainerRecord,
  opts: CommitOptions,
): Promise<{ Id: string }> {
  const name = commitName(opts.repo, opts.tag);
  const config = commitConfig(rec, opts);
  const pause = opts.pause !== false && rec.state.status === 'running' && deps.pause !== undefined;
  let paused = false;
  const thaw = async () => {
    if (paused) {
      paused = false;
      await deps.resume!(rec.id);
    }
  };
  // Frozen only while the changes are read: the unpack and record that follow need no pause.
  async function* layer(): AsyncGenerator<Uint8Array> {
    try {
      yield* deps.diff(rec.id);
    } finally {
      await thaw();
    }
  }
  if (pause) {
    await deps.pause!(rec.id);
    paused = true;
  }
  try {
    const image = await deps.commitImage({
      parent: rec.imageId,
      layer: layer(),
      config,
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.comment ? { comment: opts.comment } : {}),
      createdBy: [rec.path, ...rec.args].join(' '),
      names: name ? [name] : [],
    });
    return { Id: image.id };
  } finally {
    await thaw();
  }
}
