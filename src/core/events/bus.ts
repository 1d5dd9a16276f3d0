/**
 * The event bus: every module that changes a resource publishes here
 * (containers, images, networks, volumes, the daemon itself) and `GET
 * /events` subscribers read from here, with Docker's filter semantics.
 *
 * Publishing: `bus.publish({ type, action, id, attributes })`. Conventions
 * (Docker's): `type` is container | image | network | volume | daemon |
 * builder; `action` is the verb (create, start, die, destroy, tag, …; exec
 * and health actions carry a suffix, `exec_start: sh -c …`); `attributes`
 * carry `name` (and for containers `image` and their labels; `exitCode` on
 * die, `signal` on kill, `execID` on exec_*, `oldName` on rename). Publish
 * after the change is done and recorded, never before.
 *
 * History: the last {@link HISTORY_LIMIT} events are kept in memory, so
 * `since` replays what happened while no one listened. Docker keeps 256 in
 * memory and none across a daemon restart; berth does the same (with a
 * larger window), so `--since` reaches back only within the daemon's life.
 *
 * Subscriptions never block a publisher: each buffers its events until read
 * (bounded; a subscriber that falls {@link SUBSCRIBER_LIMIT} events behind is
 * ended with an error, as Docker drops a slow listener).
 */
import type { EventMessage, EventsOptions, Filters } from '../../engine/types.ts';
import { invalidArgument } from '../../lib/errors.ts';

export const HISTORY_LIMIT = 1024;
const SUBSCRIBER_LIMIT = 10_000;

/** What a publisher says; the bus adds the time and scope. */
export interface EventInput {
  type: string;
  action: string;
  /** The resource's ID (container ID, image ID, network ID, volume name). */
  id: string;
  attributes?: Record<string, string>;
}

/** The publishing side, as modules receive it. */
export interface EventSink {
  publish(e: EventInput): EventMessage;
}

/** The bus: publish, and subscribe with a time window and filters. */
export interface EventBus extends EventSink {
  /**
   * Recorded events from `since` (if given) up to `until`, then live events
   * until `until` passes or `signal` aborts. Filters were validated by
   * {@link validateEventFilters}.
   */
  subscribe(opts: EventsOptions): AsyncIterable<EventMessage>;
  /** Live subscribers (for `info`'s NEventsListener). */
  readonly listeners: number;
}

const FILTER_KEYS = new Set([
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
]);

/** 'invalid-argument' for a filter key Docker does not know, as Docker answers. */
export function validateEventFilters(filters: Filters): void {
  for (const k of Object.keys(filters)) {
    if (!FILTER_KEYS.has(k)) throw invalidArgument(`invalid filter '${k}'`);
  }
}

interface Subscriber {
  filters: Filters;
  push(e: EventMessage): void;
}

/** Creates an empty bus; `now` (ms, for tests) defaults to the clock. */
export function createEventBus(opts: { now?: () => bigint } = {}): EventBus {
  const now = opts.now ?? (() => process.hrtime.bigint() - HRTIME_BASE + EPOCH_NS);
  const history: EventMessage[] = [];
  const subscribers = new Set<Subscriber>();
  let lastNano = 0n;

  const publish = (input: EventInput): EventMessage => {
    let nano = now();
    if (nano <= lastNano) nano = lastNano + 1n; // strictly increasing: a `since` replay never splits a tie
    lastNano = nano;
    const msg: EventMessage = {
      Type: input.type,
      Action: input.action,
      Actor: { ID: input.id, Attributes: { ...(input.attributes ?? {}) } },
      scope: 'local',
      time: Number(nano / 1_000_000_000n),
      timeNano: Number(nano),
    };
    if (input.type === 'container' || input.type === 'image') {
      msg.status = input.action;
      msg.id = input.id;
      const from = input.attributes?.image;
      if (input.type === 'container' && from !== undefined) msg.from = from;
    }
    history.push(msg);
    if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
    for (const s of subscribers) if (matchesEvent(msg, s.filters)) s.push(msg);
    return msg;
  };

  async function* subscribe(o: EventsOptions): AsyncGenerator<EventMessage> {
    const filters = o.filters ?? {};
    const sinceNs = o.since === undefined ? undefined : secondsToNs(o.since);
    const untilNs = o.until === undefined ? undefined : secondsToNs(o.until);
    const queue: EventMessage[] = [];
    let wake: (() => void) | undefined;
    let failed: Error | undefined;
    const sub: Subscriber = {
      filters,
      push(e) {
        if (queue.length >= SUBSCRIBER_LIMIT) {
          failed = new Error('event subscriber too slow: events dropped');
          subscribers.delete(sub);
        } else queue.push(e);
        wake?.();
      },
    };
    // Replay and subscribe in one step (no await between): nothing is missed or sent twice.
    const replay =
      sinceNs === undefined
        ? []
        : history.filter(
            (e) =>
              BigInt(e.timeNano) >= sinceNs &&
              (untilNs === undefined || BigInt(e.timeNano) <= untilNs) &&
              matchesEvent(e, filters),
          );
    const nowNs = now();
    if (untilNs !== undefined && untilNs <= nowNs) {
      yield* replay;
      return;
    }
    subscribers.add(sub);
    const onAbort = () => wake?.();
    o.signal?.addEventListener('abort', onAbort);
    let timer: NodeJS.Timeout | undefined;
    let expired = false;
    if (untilNs !== undefined) {
      timer = setTimeout(
        () => {
          expired = true;
          wake?.();
        },
        Number((untilNs - nowNs) / 1_000_000n) + 1,
      );
    }
    try {
      yield* replay;
      for (;;) {
        while (queue.length > 0) {
          const e = queue.shift()!;
          if (untilNs !== undefined && BigInt(e.timeNano) > untilNs) return;
          yield e;
        }
        if (failed) throw failed;
        if (expired || o.signal?.aborted) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    } finally {
      subscribers.delete(sub);
      o.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    }
  }

  return {
    publish,
    subscribe,
    get listeners() {
      return subscribers.size;
    },
  };
}

const EPOCH_NS = BigInt(Date.now()) * 1_000_000n;
const HRTIME_BASE = process.hrtime.bigint();

function secondsToNs(s: number): bigint {
  return BigInt(Math.round(s * 1e6)) * 1000n;
}

/** Docker's events filter (daemon/events/filter.go): every key given must match. */
export function matchesEvent(e: EventMessage, f: Filters): boolean {
  const attrs = e.Actor.Attributes;
  return (
    matchAction(f.event, e.Action) &&
    exact(f.type, e.Type) &&
    exact(f.scope, e.scope) &&
    fuzzyName(f.daemon, e) &&
    fuzzyName(f.container, e) &&
    fuzzyName(f.plugin, e) &&
    fuzzyName(f.volume, e) &&
    fuzzyName(f.network, e) &&
    matchImage(f.image, e) &&
    fuzzyName(f.node, e) &&
    fuzzyName(f.service, e) &&
    fuzzyName(f.secret, e) &&
    fuzzyName(f.config, e) &&
    matchLabels(f.label, attrs)
  );
}

function exact(values: string[] | undefined, v: string): boolean {
  return !values?.length || values.includes(v);
}

function fuzzy(values: string[] | undefined, v: string): boolean {
  return !values?.length || values.some((p) => v === p || v.startsWith(p));
}

/** A resource filter matches the actor's ID or its name, by prefix (Docker's fuzzyMatchName). */
function fuzzyName(values: string[] | undefined, e: EventMessage): boolean {
  if (!values?.length) return true;
  return fuzzy(values, e.Actor.ID) || fuzzy(values, e.Actor.Attributes.name ?? '');
}

/** `exec_start`, `exec_create`, `health_status` match their suffixed forms (`exec_start: sh`). */
function matchAction(values: string[] | undefined, action: string): boolean {
  if (!values?.length) return true;
  if (values.some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start')) {
    return fuzzy(values, action);
  }
  return values.includes(action);
}

function matchImage(values: string[] | undefined, e: EventMessage): boolean {
  if (!values?.length) return true;
  const name = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
  return [e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name)].some((v) => v !== '' && values.includes(v));
}

function stripTag(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

function matchLabels(values: string[] | undefined, attrs: Record<string, string>): boolean {
  if (!values?.length) return true;
  return values.every((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 0) return kv in attrs;
    return attrs[kv.slice(0, eq)] === kv.slice(eq + 1);
  });
}
